/**
 * Issue 12, finding 4: an agent's reports are reports. A report that claims what the policy did
 * not allow — ALLOWED for an action it doesn't allow, ALLOWED while paused, a person's
 * APPROVED/DENIED — or that contradicts what the server knows (a policy version that doesn't
 * exist, a date in the future or past the spool's limit) is refused, 403/409, and recorded as a
 * VIOLATION alert; nothing else is stored and no total moves. Reports are rate limited per key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '@aegis/shared';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey, rest, trpc, type Credential, data } from './harness';

let server: TestServer;
let admin: Credential;
let bot: Credential;
let n = 0;

const query = async <T>(path: string, input: unknown) =>
  data<T>(await trpc(server.url, path, 'query', input, admin));
const totals = async (name: string) =>
  (await query<{ agent: { totalLogs: number; riskScore: number } }>('agents.byName', { name }))
    .agent;
const violations = async (agent: string) =>
  (
    await query<{ entries: AuditEntry[] }>('audit.list', {
      agent,
      status: ['VIOLATION'],
      limit: 200,
    })
  ).entries;
const entries = async (agent: string) =>
  (await query<{ entries: AuditEntry[] }>('audit.list', { agent, limit: 200 })).entries;

/** One local-mode record, as the SDK ships it. */
function record(over: Record<string, unknown> = {}) {
  n++;
  const policyVersion = typeof over.policyVersion === 'number' ? over.policyVersion : 1;
  return {
    entryKey: `entry_${n}_key`,
    agent: 'bot1',
    action: 'read',
    status: 'ALLOWED',
    details: 'local',
    callId: `call_${n}_x`,
    args: {},
    decidedAt: new Date().toISOString(),
    policyVersion,
    rule: { id: 'seed-allowed', scope: 'agent', version: policyVersion },
    ...over,
  };
}
const batch = (...records: unknown[]) =>
  trpc(server.url, 'sdk.recordBatch', 'mutation', { entries: records }, bot);

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = { kind: 'bearer', key: server.adminKey };
  bot = {
    kind: 'bearer',
    key: (await createKey(server, 'bot-key', 'agent', ['bot1', 'bot2'])).key,
  };
  for (const name of ['bot1', 'bot2'])
    data(
      await trpc(
        server.url,
        'sdk.registerAgent',
        'mutation',
        { name, allows: ['read'], blocks: ['delete_all'] },
        bot,
      ),
    );
});
afterAll(() => server?.close());

describe('reports that claim more than the policy allowed are refused and recorded', () => {
  it('ALLOWED for delete_all while paused, over REST: 403, a VIOLATION alert, nothing counted', async () => {
    data(
      await trpc(
        server.url,
        'agents.setStatus',
        'mutation',
        { name: 'bot1', status: 'PAUSED' },
        admin,
      ),
    );
    const before = await totals('bot1');
    const res = await rest(
      server.url,
      'POST',
      '/sdk/log',
      { agent_name: 'bot1', action: 'delete_all', status: 'ALLOWED' },
      bot,
    );
    expect(res.status).toBe(403);
    expect((res.body as { detail: string }).detail).toMatch(/delete_all, which policy v1 blocks/);
    const paused = await rest(
      server.url,
      'POST',
      '/sdk/log',
      { agent_name: 'bot1', action: 'read', status: 'ALLOWED' },
      bot,
    );
    expect(paused.status).toBe(403);
    expect((paused.body as { detail: string }).detail).toMatch(/paused by the kill-switch/);
    // what the seed's SDK logs for a paused agent is taken
    expect(
      (
        await rest(
          server.url,
          'POST',
          '/sdk/log',
          { agent_name: 'bot1', action: 'read', status: 'KILLED' },
          bot,
        )
      ).status,
    ).toBe(200);

    const alerts = await violations('bot1');
    expect(alerts.map((a) => [a.action, a.source, a.actor])).toEqual([
      ['read', 'server', 'bot-key'],
      ['delete_all', 'server', 'bot-key'],
    ]);
    expect((await entries('bot1')).filter((e) => e.status === 'ALLOWED')).toEqual([]);
    const after = await totals('bot1');
    expect(after.totalLogs).toBe(before.totalLogs + 1); // the KILLED report only
    data(
      await trpc(
        server.url,
        'agents.setStatus',
        'mutation',
        { name: 'bot1', status: 'ACTIVE' },
        admin,
      ),
    );
  });

  it("APPROVED/DENIED are people's decisions: sdk.log and /sdk/log refuse them", async () => {
    const forged = await trpc(
      server.url,
      'sdk.log',
      'mutation',
      {
        agent: 'bot1',
        action: 'delete_all',
        status: 'APPROVED',
        details: 'Approved by admin (approval #1)',
      },
      bot,
    );
    expect(forged.status).toBe(403);
    const denied = await rest(
      server.url,
      'POST',
      '/sdk/log',
      { agent_name: 'bot1', action: 'x', status: 'DENIED' },
      bot,
    );
    expect(denied.status).toBe(403);
    expect(
      (await entries('bot1')).filter((e) => e.status === 'APPROVED' || e.status === 'DENIED'),
    ).toEqual([]);
    expect((await violations('bot1')).length).toBe(4);
  });

  it('sdk.log ALLOWED for an action the policy does not allow: 403; for one it allows: stored as an agent report', async () => {
    const review = await trpc(
      server.url,
      'sdk.log',
      'mutation',
      { agent: 'bot2', action: 'wire', status: 'ALLOWED' },
      bot,
    );
    expect(review.status).toBe(403);
    const ok = data<AuditEntry>(
      await trpc(
        server.url,
        'sdk.log',
        'mutation',
        { agent: 'bot2', action: 'read', status: 'ALLOWED' },
        bot,
      ),
    );
    expect(ok).toMatchObject({ status: 'ALLOWED', source: 'agent', actor: 'bot-key' });
  });

  it('recordBatch: dated 2020, 2099, year 0000, or at policy v999 — 409, nothing stored, one alert each however often replayed', async () => {
    const before = await totals('bot2');
    const stored = (await entries('bot2')).length;
    for (const bad of [
      record({ agent: 'bot2', decidedAt: '2020-01-01T00:00:00Z' }),
      record({ agent: 'bot2', decidedAt: '2099-01-01T00:00:00Z' }),
      record({ agent: 'bot2', decidedAt: '0000-01-01T00:00:00Z' }),
      record({ agent: 'bot2', policyVersion: 999 }),
    ]) {
      const res = await batch(record({ agent: 'bot2' }), bad);
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      expect(JSON.stringify(res.body)).toContain(String(bad.entryKey));
      expect((await batch(bad)).status).toBe(409); // the replay
    }
    const alerts = await violations('bot2');
    expect(alerts.length).toBe(1 + 4); // the sdk.log one above, and one per refused record
    expect((await entries('bot2')).length).toBe(stored + 4);
    expect(await totals('bot2')).toEqual(before);
  });

  it('recordBatch: ALLOWED checked against the version it claims; after a pause only within the grace', async () => {
    const v1 = record({ agent: 'bot2' });
    data(
      await trpc(
        server.url,
        'policies.set',
        'mutation',
        { agent: 'bot2', action: 'read', rule: 'BLOCK' },
        admin,
      ),
    );
    // decided with the v1 snapshot, shipped after the change: honest, taken
    expect((await batch(v1)).status).toBe(200);
    const v2 = await batch(record({ agent: 'bot2', policyVersion: 2 }));
    expect(v2.status).toBe(403);
    expect(JSON.stringify(v2.body)).toMatch(/read, which policy v2 blocks/);

    const beforePause = new Date().toISOString();
    data(
      await trpc(
        server.url,
        'agents.setStatus',
        'mutation',
        { name: 'bot1', status: 'PAUSED' },
        admin,
      ),
    );
    expect((await batch(record({ decidedAt: beforePause }))).status).toBe(200);
    const late = await batch(record({ decidedAt: new Date(Date.now() + 30_000).toISOString() }));
    expect(late.status).toBe(403);
    expect(JSON.stringify(late.body)).toMatch(/paused by the kill-switch/);
    expect(data(await trpc(server.url, 'audit.verify', 'query', undefined, admin))).toMatchObject({
      ok: true,
    });
  });

  it('recordBatch: an ALLOWED dated back before the policy version it names existed is refused (a way around a pause)', async () => {
    // bot1 is paused (above); its policy v1 is seconds old. Dated an hour back, the record would
    // pass as decided before the pause.
    const stored = (await entries('bot1')).length;
    const backdated = record({ decidedAt: new Date(Date.now() - 3_600_000).toISOString() });
    const res = await batch(backdated);
    expect(res.status).toBe(409);
    expect(JSON.stringify(res.body)).toMatch(/before policy v1 of \\"bot1\\" existed/);
    // A report of a refusal claims no power and is taken, whatever its date.
    const refused = record({ status: 'BLOCKED', decidedAt: new Date(Date.now() - 3_600_000).toISOString() });
    expect((await batch(refused)).status).toBe(200);
    expect((await entries('bot1')).length).toBe(stored + 2); // the refused record's alert, the BLOCKED
  });
});

describe('reports are rate limited per key', () => {
  it('AEGIS_RATE_REPORTS: 429 with Retry-After over tRPC and REST, for logs and batches', async () => {
    process.env.AEGIS_RATE_REPORTS = '0.001';
    const slow = await startTestServer({ inMemoryStore: true });
    delete process.env.AEGIS_RATE_REPORTS;
    try {
      const key: Credential = {
        kind: 'bearer',
        key: (await createKey(slow, 'k', 'agent', ['busy'])).key,
      };
      data(
        await trpc(
          slow.url,
          'sdk.registerAgent',
          'mutation',
          { name: 'busy', allows: ['read'] },
          key,
        ),
      );
      const full = Array.from({ length: 1000 }, () => record({ agent: 'busy' }));
      expect(
        (await trpc(slow.url, 'sdk.recordBatch', 'mutation', { entries: full }, key)).status,
      ).toBe(200);
      const log = await trpc(
        slow.url,
        'sdk.log',
        'mutation',
        { agent: 'busy', action: 'read', status: 'BLOCKED' },
        key,
      );
      expect(log.status).toBe(429);
      expect(Number(log.headers.get('retry-after'))).toBeGreaterThan(0);
      const viaRest = await rest(
        slow.url,
        'POST',
        '/sdk/log',
        { agent_name: 'busy', action: 'read', status: 'BLOCKED' },
        key,
      );
      expect(viaRest.status).toBe(429);
      expect(Number(viaRest.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(
        (
          await trpc(
            slow.url,
            'sdk.recordBatch',
            'mutation',
            { entries: [record({ agent: 'busy' })] },
            key,
          )
        ).status,
      ).toBe(429);
    } finally {
      await slow.close();
    }
  });
});
