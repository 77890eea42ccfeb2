/**
 * Issue 12, finding 7: input that used to get a 500 — a malformed percent-encoding in the tRPC
 * path, a NUL or other control character in an argument key — gets a 400 naming the problem.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';

let server: TestServer;

async function send(
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  const reg = await send('POST', '/trpc/sdk.registerAgent', '{"name":"bot","review":["pay"]}');
  expect(reg.status).toBe(200);
});
afterAll(() => server?.close());

describe('malformed input gets a 4xx naming the problem', () => {
  it.each(['/trpc/%', '/trpc/%E0%A4%A', '/trpc/health.check%', '/trpc/a,%zz?batch=1'])(
    'GET %s, with or without a key',
    async (path) => {
      const keyed: Record<string, string> = { authorization: `Bearer ${server.adminKey}` };
      for (const headers of [{}, keyed]) {
        const res = await fetch(`${server.url}${path}`, { headers });
        expect(res.status).toBe(400);
        expect(await res.text()).toContain('percent-encoding');
      }
    },
  );

  it('a NUL in an argument key, over tRPC', async () => {
    const res = await send(
      'POST',
      '/trpc/sdk.decide',
      '{"agent":"bot","action":"pay","args":{"a\\u0000b":1}}',
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain('contains a control character (U+0000)');
    expect(res.text).not.toMatch(/BSON|null bytes/);
  });

  it('control characters in nested keys, over REST (args and args_json)', async () => {
    const decide = await send(
      'POST',
      '/api/sdk/decide',
      '{"agent_name":"bot","action":"pay","args":{"x":[{"\\u0001":1}]}}',
    );
    expect(decide.status).toBe(400);
    expect(decide.text).toContain('U+0001');
    const approval = await send(
      'POST',
      '/api/sdk/approval',
      JSON.stringify({ agent_name: 'bot', action: 'pay', args_json: '{"ok":{"k\\u0000":1}}' }),
    );
    expect(approval.status).toBe(400);
    expect(JSON.parse(approval.text)).toMatchObject({
      detail: expect.stringContaining('args_json: key'),
    });
  });
});
