/**
 * Done-means 5: the requests the seed's Python SDK (httpx) makes for register → allowed call →
 * blocked call → kill → revive, replayed over plain HTTP with the key in the URL's userinfo
 * (`AEGIS_BACKEND_URL=http://agent:KEY@host:port/api`), get the seed's answers.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey } from './harness';

let server: TestServer;
let agentUrl: string;
let operatorUrl: string;

/**
 * What httpx does with a base URL carrying userinfo: strip it from the request line and send it as
 * HTTP Basic (percent-decoded), with its usual headers and `json=` bodies.
 */
function httpx(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  json?: unknown,
): Promise<{ status: number; body: unknown }> {
  const url = new URL(baseUrl + path);
  const headers: Record<string, string> = {
    accept: '*/*',
    'accept-encoding': 'gzip, deflate',
    connection: 'keep-alive',
    'user-agent': 'python-httpx/0.27.0',
  };
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  const payload = json === undefined ? undefined : JSON.stringify(json);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (method === 'POST') headers['content-length'] = String(Buffer.byteLength(payload ?? ''));
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            body: text ? (JSON.parse(text) as unknown) : null,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The SDK's @monitor, per guarded call: status → policy → log (the tool runs only when allowed). */
async function guardedCall(
  action: string,
  details: string,
): Promise<'ALLOWED' | 'BLOCKED' | 'KILLED'> {
  const status = await httpx(agentUrl, 'GET', `/sdk/agent-status/SupportBot`);
  expect(status.status).toBe(200);
  if ((status.body as { status: string }).status === 'PAUSED') {
    const logged = await httpx(agentUrl, 'POST', '/sdk/log', {
      agent_name: 'SupportBot',
      action,
      status: 'KILLED',
      details: 'Agent is paused',
    });
    expect(logged).toMatchObject({ status: 200, body: { status: 'ok' } });
    return 'KILLED';
  }
  const policy = await httpx(agentUrl, 'GET', `/sdk/policy/SupportBot/${action}`);
  expect(policy.status).toBe(200);
  const rule = (policy.body as { rule_type: string | null }).rule_type;
  const verdict = rule === 'ALLOW' ? 'ALLOWED' : 'BLOCKED';
  const logged = await httpx(agentUrl, 'POST', '/sdk/log', {
    agent_name: 'SupportBot',
    action,
    status: verdict,
    details,
  });
  expect(logged).toMatchObject({ status: 200, body: { status: 'ok' } });
  return verdict;
}

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  const base = server.url.replace('http://', '');
  const agentKey = (await createKey(server, 'support-bot', 'agent', ['SupportBot'])).key;
  const reviewerKey = (await createKey(server, 'operator', 'reviewer')).key;
  agentUrl = `http://agent:${agentKey}@${base}/api`;
  operatorUrl = `http://operator:${encodeURIComponent(reviewerKey)}@${base}/api`;
});

afterAll(async () => {
  await server?.close();
});

describe("the seed's Python SDK over plain HTTP, key in the URL", () => {
  it('registers, allows, blocks, is killed and revived, with the seed answers', async () => {
    // @agent("SupportBot", owner="alice", allows=["lookup_balance"], blocks=["delete_records"])
    expect(await httpx(agentUrl, 'POST', '/sdk/init')).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    expect(
      await httpx(agentUrl, 'POST', '/sdk/register-agent', { name: 'SupportBot', owner: 'alice' }),
    ).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    for (const [action, rule_type] of [
      ['lookup_balance', 'ALLOW'],
      ['delete_records', 'BLOCK'],
    ] as const) {
      const res = await httpx(agentUrl, 'POST', '/sdk/register-policy', {
        agent_name: 'SupportBot',
        action,
        rule_type,
      });
      expect(res).toMatchObject({ status: 200, body: { status: 'ok' } });
    }
    expect(await httpx(agentUrl, 'GET', '/sdk/agent-status/SupportBot')).toEqual({
      status: 200,
      body: { status: 'ACTIVE' },
    });

    expect(await guardedCall('lookup_balance', 'lookup_balance(42)')).toBe('ALLOWED');
    expect(await guardedCall('delete_records', 'delete_records("tmp")')).toBe('BLOCKED');

    // sentinel kill SupportBot with the agent's own key: pausing only takes power away (issue 12)
    expect(
      await httpx(agentUrl, 'POST', '/sdk/update-status', { name: 'SupportBot', status: 'PAUSED' }),
    ).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await httpx(agentUrl, 'GET', '/sdk/agent-status/SupportBot')).toEqual({
      status: 200,
      body: { status: 'PAUSED' },
    });
    expect(await guardedCall('lookup_balance', 'lookup_balance(42)')).toBe('KILLED');
    // ... but never revive it: that is a person's call
    const selfRevive = await httpx(agentUrl, 'POST', '/sdk/update-status', {
      name: 'SupportBot',
      status: 'ACTIVE',
    });
    expect(selfRevive.status).toBe(403);
    expect((selfRevive.body as { detail: string }).detail).toMatch(/never revive/);

    // sentinel revive SupportBot
    expect(
      await httpx(operatorUrl, 'POST', '/sdk/update-status', {
        name: 'SupportBot',
        status: 'ACTIVE',
      }),
    ).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    expect(await guardedCall('lookup_balance', 'lookup_balance(7)')).toBe('ALLOWED');

    // sentinel log SupportBot
    const log = await httpx(agentUrl, 'GET', '/sdk/audit-log?agent_name=SupportBot&limit=10');
    expect(log.status).toBe(200);
    const all = (
      log.body as {
        entries: Array<{ agent_name: string; action: string; status: string; severity: string; source: string }>;
      }
    ).entries;
    // issue 12: the agent's own pause and the operator's revive are on record, each with its source
    expect(all.filter((e) => e.status === 'PAUSED' || e.status === 'RESUMED').map((e) => [e.status, e.source])).toEqual([
      ['RESUMED', 'person'],
      ['PAUSED', 'agent'],
    ]);
    const entries = all.filter((e) => !['PAUSED', 'RESUMED', 'POLICY'].includes(e.status));
    expect(entries.map((e) => [e.action, e.status, e.severity])).toEqual([
      ['lookup_balance', 'ALLOWED', 'success'],
      ['lookup_balance', 'KILLED', 'critical'],
      ['delete_records', 'BLOCKED', 'failure'],
      ['lookup_balance', 'ALLOWED', 'success'],
    ]);
    expect(entries.every((e) => e.agent_name === 'SupportBot')).toBe(true);
  });

  it('an approval covers one call: the first APPROVED poll runs it, the same call again waits anew', async () => {
    const rule = await httpx(agentUrl, 'POST', '/sdk/register-policy', {
      agent_name: 'SupportBot',
      action: 'refund',
      rule_type: 'REVIEW',
    });
    expect(rule).toMatchObject({ status: 200, body: { status: 'ok' } });

    /** The SDK's REVIEW branch up to its first poll: find-approval, else request + log PENDING. */
    const requestReview = async (): Promise<number> => {
      const found = await httpx(agentUrl, 'GET', '/sdk/find-approval/SupportBot/refund');
      expect(found).toMatchObject({ status: 200, body: { approval: null } });
      const created = await httpx(agentUrl, 'POST', '/sdk/approval', {
        agent_name: 'SupportBot',
        action: 'refund',
        args_json: '{"order": 7}',
      });
      expect(created.status).toBe(200);
      const logged = await httpx(agentUrl, 'POST', '/sdk/log', {
        agent_name: 'SupportBot',
        action: 'refund',
        status: 'PENDING',
      });
      expect(logged.status).toBe(200);
      return (created.body as { approval_id: number }).approval_id;
    };
    const pollStatus = async (id: number) => {
      const res = await httpx(agentUrl, 'GET', `/sdk/approval-status/${id}`);
      expect(res.status).toBe(200);
      return (res.body as { status: string | null }).status;
    };

    const id = await requestReview();
    expect(await pollStatus(id)).toBe('PENDING');
    const decided = await httpx(operatorUrl, 'POST', `/approvals/${id}/decide`, {
      decision: 'APPROVED',
    });
    expect(decided).toMatchObject({ status: 200, body: { status: 'success' } });
    expect(await pollStatus(id)).toBe('APPROVED'); // the SDK runs refund(7) now

    // A second poller of the same id (another worker, a retry) may not run it again, and the same
    // call later gets a fresh approval that nobody has approved.
    expect(await pollStatus(id)).toBe('DENIED');
    const next = await requestReview();
    expect(next).not.toBe(id);
    expect(await pollStatus(next)).toBe('PENDING');

    const log = await httpx(agentUrl, 'GET', '/sdk/audit-log?agent_name=SupportBot&limit=50');
    const entries = (log.body as { entries: Array<{ action: string; status: string }> }).entries;
    expect(entries.filter((e) => e.action === 'refund' && e.status === 'ALLOWED')).toHaveLength(1);
  });

  it('refuses the same requests without a key, or with a wrong one', async () => {
    const noKey = agentUrl.replace(/\/\/[^@]+@/, '//');
    expect((await httpx(noKey, 'GET', '/sdk/agent-status/SupportBot')).status).toBe(401);
    const wrong = agentUrl.replace(
      /agent:[^@]+@/,
      'agent:aegis_wrongwrongwrongwrongwrongwrongwron@',
    );
    expect(
      (
        await httpx(wrong, 'POST', '/sdk/log', {
          agent_name: 'SupportBot',
          action: 'x',
          status: 'ALLOWED',
        })
      ).status,
    ).toBe(401);
  });
});
