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

    // sentinel kill SupportBot — an operator's key; the agent's own key may not flip its switch.
    const selfKill = await httpx(agentUrl, 'POST', '/sdk/update-status', {
      name: 'SupportBot',
      status: 'PAUSED',
    });
    expect(selfKill.status).toBe(403);
    expect(
      await httpx(operatorUrl, 'POST', '/sdk/update-status', {
        name: 'SupportBot',
        status: 'PAUSED',
      }),
    ).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    expect(await httpx(agentUrl, 'GET', '/sdk/agent-status/SupportBot')).toEqual({
      status: 200,
      body: { status: 'PAUSED' },
    });
    expect(await guardedCall('lookup_balance', 'lookup_balance(42)')).toBe('KILLED');

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
    const entries = (
      log.body as {
        entries: Array<{ agent_name: string; action: string; status: string; severity: string }>;
      }
    ).entries;
    expect(entries.map((e) => [e.action, e.status, e.severity])).toEqual([
      ['lookup_balance', 'ALLOWED', 'success'],
      ['lookup_balance', 'KILLED', 'critical'],
      ['delete_records', 'BLOCKED', 'failure'],
      ['lookup_balance', 'ALLOWED', 'success'],
    ]);
    expect(entries.every((e) => e.agent_name === 'SupportBot')).toBe(true);
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
