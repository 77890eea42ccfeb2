/**
 * Issue 21, done-means 2: /metrics scraped over HTTP and parsed strictly; counters move with
 * traffic; unauthenticated and non-admin scrapes refused; the metrics token opens /metrics only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabelCap } from '../src/observability/metrics';
import { startTestServer, type TestServer } from './helpers/testServer';
import { parsePrometheusText, valueOf, type Family } from './helpers/promText';
import { createKey, trpc, type Credential } from './security/harness';

const TOKEN = 'metrics-token-0123456789abcdef0123456789';
let server: TestServer;
let admin: Credential;

async function scrape(auth?: string): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`${server.url}/metrics`, { headers: auth ? { authorization: auth } : {} });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

async function metrics(): Promise<Map<string, Family>> {
  const res = await scrape(`Bearer ${server.adminKey}`);
  expect(res.status).toBe(200);
  return parsePrometheusText(res.text);
}

async function call(path: string, kind: 'query' | 'mutation', input: unknown, cred = admin): Promise<unknown> {
  const res = await trpc(server.url, path, kind, input, cred);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { result: { data: unknown } }).result.data;
}

beforeAll(async () => {
  // A small decide budget per key, so the rate limit can be hit on purpose (by one key only).
  process.env.AEGIS_RATE_DECIDE = '5';
  server = await startTestServer({ inMemoryStore: true, metricsToken: TOKEN });
  admin = { kind: 'bearer', key: server.adminKey };
  await call('sdk.registerAgent', 'mutation', {
    name: 'alpha',
    allows: ['read_balance'],
    blocks: ['wire_transfer'],
    review: ['refund'],
  });
});

afterAll(async () => {
  delete process.env.AEGIS_RATE_DECIDE;
  await server?.close();
});

describe('/metrics', () => {
  it('refuses a scrape without a credential (401), with a bad token (401), and below admin (403)', async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape('Bearer not-the-token-not-the-token-xx')).status).toBe(401);
    for (const role of ['viewer', 'reviewer'] as const) {
      const { key } = await createKey(server, `m-${role}`, role);
      const res = await scrape(`Bearer ${key}`);
      expect(res.status).toBe(403);
      expect(res.text).not.toContain('aegis_');
    }
    const agentKey = (await createKey(server, 'm-agent', 'agent', ['alpha'])).key;
    expect((await scrape(`Bearer ${agentKey}`)).status).toBe(403);
  });

  it('serves the text format to the metrics token, which opens nothing else', async () => {
    const res = await scrape(`Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(res.text);
    for (const name of [
      'aegis_decisions_total',
      'aegis_decision_duration_seconds',
      'aegis_policy_evaluation_seconds',
      'aegis_approval_wait_seconds',
      'aegis_pending_approvals',
      'aegis_paused_agents',
      'aegis_audit_write_queue_depth',
      'aegis_audit_group_commit_size',
      'aegis_sse_subscribers',
      'aegis_rate_limited_total',
      'aegis_store_operation_duration_seconds',
    ])
      expect(families.has(name), name).toBe(true);
    const other = await trpc(server.url, 'agents.list', 'query', undefined, { kind: 'bearer', key: TOKEN });
    expect(other.status).toBe(401);
  });

  it('moves with traffic: decisions by verdict, latency, approvals, kill-switch, rate limits, store', async () => {
    const before = await metrics();
    const decided = (verdict: string, f = before) =>
      valueOf(f, 'aegis_decisions_total', { verdict, agent: 'alpha', action: verdict === 'ALLOWED' ? 'read_balance' : verdict === 'BLOCKED' ? 'wire_transfer' : 'refund' }) ?? 0;
    await call('sdk.decide', 'mutation', { agent: 'alpha', action: 'read_balance', args: { a: 1 } });
    await call('sdk.decide', 'mutation', { agent: 'alpha', action: 'wire_transfer', args: { a: 1 } });
    const review = (await call('sdk.decide', 'mutation', { agent: 'alpha', action: 'refund', args: { a: 1 } })) as {
      approvalId: number;
    };
    let now = await metrics();
    expect(decided('ALLOWED', now)).toBe(decided('ALLOWED') + 1);
    expect(decided('BLOCKED', now)).toBe(decided('BLOCKED') + 1);
    expect(decided('REVIEW', now)).toBe(decided('REVIEW') + 1);
    expect(valueOf(now, 'aegis_decision_duration_seconds_count', { verdict: 'ALLOWED' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(now, 'aegis_pending_approvals')).toBe(1);
    expect(valueOf(now, 'aegis_audit_group_commit_size_count')).toBeGreaterThanOrEqual(3);
    expect(valueOf(now, 'aegis_store_operation_duration_seconds_count', { command: 'insert', outcome: 'ok' })).toBeGreaterThan(0);

    await call('approvals.decide', 'mutation', { id: review.approvalId, decision: 'APPROVED' });
    await call('agents.setStatus', 'mutation', { name: 'alpha', status: 'PAUSED' });
    now = await metrics();
    expect(valueOf(now, 'aegis_approval_wait_seconds_count', { decision: 'APPROVED' })).toBe(1);
    expect(valueOf(now, 'aegis_pending_approvals')).toBe(0);
    expect(valueOf(now, 'aegis_paused_agents')).toBe(1);
    await call('agents.setStatus', 'mutation', { name: 'alpha', status: 'ACTIVE' });

    // One key over its budget (5 per second, burst 5): some of 20 at once are refused.
    const agent: Credential = { kind: 'bearer', key: (await createKey(server, 'burst', 'agent', ['alpha'])).key };
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        trpc(server.url, 'sdk.decide', 'mutation', { agent: 'alpha', action: 'read_balance', args: { i } }, agent).then((r) => r.status),
      ),
    );
    const refused = statuses.filter((s) => s === 429).length;
    expect(refused).toBeGreaterThan(0);
    now = await metrics();
    expect(valueOf(now, 'aegis_rate_limited_total', { limit: 'decide' })).toBe(refused);
  });

  it('times policy evaluations, telling those that read history from the store apart', async () => {
    await call('policies.applyRules', 'mutation', {
      yaml: [
        'kind: AgentPolicy',
        'agent: alpha',
        'rules:',
        '  - id: small',
        '    actions: [pay]',
        '    when: args.amount < 100',
        '    effect: ALLOW',
        '  - id: seldom',
        '    actions: [export]',
        "    when: history.count('export', duration('1h')) < 3",
        '    effect: ALLOW',
      ].join('\n'),
    });
    // Its own key: the admin's small decide budget is spent by the cases above.
    const bot: Credential = { kind: 'bearer', key: (await createKey(server, 'evaluations', 'agent', ['alpha'])).key };
    const count = (f: Map<string, Family>, facts: string) =>
      valueOf(f, 'aegis_policy_evaluation_seconds_count', { facts }) ?? 0;
    const sum = (f: Map<string, Family>, facts: string) => valueOf(f, 'aegis_policy_evaluation_seconds_sum', { facts }) ?? 0;
    const before = await metrics();
    const decide = (action: string, args: object) => call('sdk.decide', 'mutation', { agent: 'alpha', action, args }, bot);
    expect(await decide('pay', { amount: 5 })).toMatchObject({ verdict: 'ALLOWED', rule: { id: 'small' } });
    expect(await decide('export', {})).toMatchObject({ verdict: 'ALLOWED', rule: { id: 'seldom' } });
    const now = await metrics();
    expect(count(now, 'memory') - count(before, 'memory')).toBe(1);
    expect(count(now, 'store') - count(before, 'store')).toBe(1);
    // The store's evaluation includes a query's round trip; neither is zero or negative.
    expect(sum(now, 'memory')).toBeGreaterThan(sum(before, 'memory'));
    expect(sum(now, 'store')).toBeGreaterThan(sum(before, 'store'));
  });
});

describe('LabelCap', () => {
  it('keeps the first N distinct values and folds the rest into "other"', () => {
    const cap = new LabelCap(3);
    expect(['a', 'b', 'c', 'd', 'a', 'e'].map((v) => cap.of(v))).toEqual(['a', 'b', 'c', 'other', 'a', 'other']);
  });
});
