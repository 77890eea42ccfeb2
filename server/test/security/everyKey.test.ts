/**
 * Issue 12, finding 6: a `__proto__` key is part of the call. An approval given for
 * `{"payment":{"to":"alice"}}` must not be redeemed by `{"payment":{"to":"alice","__proto__":…}}`,
 * and the reviewer and the record must see the key. Bodies are sent as raw JSON text: an object
 * literal with `__proto__` would set a prototype instead of sending the key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey } from './harness';

let server: TestServer;
let agentKey: string;
let reviewerKey: string;

/** The fields these tests read from tRPC (`result.data`) and REST answers. */
interface Answer {
  result: { data: { verdict: string; approvalId: number } };
  verdict: string;
  approval_id: number;
}

async function post(
  path: string,
  json: string,
  key = agentKey,
): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: json,
  });
  return { status: res.status, body: (await res.json()) as Answer };
}
async function get(path: string, key = reviewerKey): Promise<unknown> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return res.json();
}

const PLAIN = '{"payment":{"to":"alice","amount":5}}';
const SNEAKY = '{"payment":{"to":"alice","amount":5,"__proto__":{"to":"mallory"}}}';

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  agentKey = (await createKey(server, 'payer-bot', 'agent', ['payer'])).key;
  reviewerKey = (await createKey(server, 'rita', 'reviewer')).key;
  const reg = await post('/trpc/sdk.registerAgent', '{"name":"payer","review":["pay"]}');
  expect(reg.status).toBe(200);
});
afterAll(() => server?.close());

async function approve(id: number): Promise<void> {
  const res = await post(
    '/trpc/approvals.decide',
    JSON.stringify({ id, decision: 'APPROVED' }),
    reviewerKey,
  );
  expect(res.status).toBe(200);
}

describe('a "__proto__" key is part of the call', () => {
  it('over tRPC: an approval for the plain call is not redeemed by the sneaky one', async () => {
    const plain = await post(
      '/trpc/sdk.decide',
      `{"agent":"payer","action":"pay","args":${PLAIN}}`,
    );
    expect(plain.body.result.data.verdict).toBe('REVIEW');
    await approve(plain.body.result.data.approvalId);
    const sneaky = await post(
      '/trpc/sdk.decide',
      `{"agent":"payer","action":"pay","args":${SNEAKY}}`,
    );
    expect(sneaky.body.result.data.verdict).toBe('REVIEW');
    expect(sneaky.body.result.data.approvalId).not.toBe(plain.body.result.data.approvalId);

    // the reviewer sees the key, masked view and detail alike, and so does the record
    const id = sneaky.body.result.data.approvalId;
    const input = encodeURIComponent(JSON.stringify({ id }));
    const detail = (
      (await get(`/trpc/approvals.byId?input=${input}`)) as {
        result: { data: { args: { payment: Record<string, unknown> } } };
      }
    ).result.data;
    expect(Object.keys(detail.args.payment)).toContain('__proto__');
    expect(detail.args.payment.__proto__).toEqual({ to: 'mallory' });
    const log = (
      (await get(
        `/trpc/audit.list?input=${encodeURIComponent('{"agent":"payer","limit":1}')}`,
      )) as { result: { data: { entries: Array<{ argsPreview: string }> } } }
    ).result.data;
    expect(log.entries[0]?.argsPreview).toContain('"__proto__":{"to":"mallory"}');
  });

  it('over REST: /sdk/decide and /sdk/approval tell the two calls apart too', async () => {
    const plain = await post(
      '/api/sdk/decide',
      `{"agent_name":"payer","action":"pay","args":{"top":1}}`,
    );
    expect(plain.body.verdict).toBe('REVIEW');
    await approve(plain.body.approval_id);
    const sneaky = await post(
      '/api/sdk/decide',
      '{"agent_name":"payer","action":"pay","args":{"top":1,"__proto__":{"top":2}}}',
    );
    expect(sneaky.body.verdict).toBe('REVIEW');

    const seedStyle = await post(
      '/api/sdk/approval',
      JSON.stringify({
        agent_name: 'payer',
        action: 'pay',
        args_json: '{"top":1,"constructor":{"prototype":{"x":1}}}',
      }),
    );
    expect(seedStyle.status).toBe(200);
    expect(seedStyle.body.approval_id).not.toBe(plain.body.approval_id);
    const pending = (await get('/api/approvals/pending')) as Array<{
      id: number;
      args_json: string;
    }>;
    const shown = pending.find((a) => a.id === seedStyle.body.approval_id);
    expect(shown?.args_json).toBe('{"top":1,"constructor":{"prototype":{"x":1}}}');
    const sneakyShown = pending.find((a) => a.id === sneaky.body.approval_id);
    expect(JSON.parse(sneakyShown?.args_json ?? '{}')).toHaveProperty('__proto__');
  });
});
