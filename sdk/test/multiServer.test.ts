import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isResumeGap, type AuditEntry, type AuditResumeGap, type ChangeEvent } from '@aegis/shared';
import {
  closeTransport,
  createAegis,
  createTransport,
  type AegisApi,
  type DecisionEvent,
} from '../src/index';
import { startCluster, type Cluster } from './helpers/cluster';

// Several server processes on one standalone embedded store, as N servers behind a load
// balancer on one MongoDB replica set: any of them may serve any request.
let c: Cluster;
const apis: AegisApi[] = [];
const api = (i: number): AegisApi => {
  const server = c.servers[i];
  if (!server) throw new Error(`no server ${i}`);
  const made = createTransport({ url: server.url, apiKey: c.adminKey, requestTimeoutMs: 60_000 });
  apis.push(made);
  return made;
};
let store: MongoClient;
beforeAll(async () => {
  c = await startCluster(2);
  store = new MongoClient(c.storeUri);
}, 240_000);
afterAll(async () => {
  for (const a of apis) closeTransport(a);
  await store?.close();
  await c?.close();
}, 60_000);

const audit = () => store.db('aegis').collection('audit_log');

/** Subscribes and resolves with the first event `pick` accepts. */
function first<T, E>(
  subscribe: (h: { onStarted: () => void; onData: (e: { data: E }) => void }) => {
    unsubscribe(): void;
  },
  pick: (e: E) => T | undefined,
): Promise<{ started: Promise<void>; value: Promise<T> }> {
  let started!: () => void;
  let found!: (v: T) => void;
  const startedP = new Promise<void>((r) => (started = r));
  const value = new Promise<T>((r) => (found = r));
  const sub = subscribe({
    onStarted: () => started(),
    onData: (e) => {
      const v = pick(e.data);
      if (v !== undefined) {
        found(v);
        sub.unsubscribe();
      }
    },
  });
  return Promise.resolve({ started: startedP, value });
}

describe('two servers, one database', () => {
  it('a decision on A shows live on B (audit feed and change events)', async () => {
    const [a, b] = [api(0), api(1)];
    await a.sdk.registerAgent.mutate({ name: 'Live', allows: ['read'], review: ['wire'] });
    const newest = (await b.audit.list.query({ limit: 1 })).entries[0]?.id ?? 0;
    const entry = await first<AuditEntry, AuditEntry | AuditResumeGap>(
      (h) => b.audit.onEntry.subscribe({ agent: 'Live', lastEventId: String(newest) }, h),
      (e) => (!isResumeGap(e) && e.action === 'read' ? e : undefined),
    );
    const created = await first<number, ChangeEvent>(
      (h) => b.changes.onChange.subscribe(undefined, h),
      (e) =>
        e.type === 'approval.created' && e.approval.agent === 'Live' ? e.approval.id : undefined,
    );
    await entry.started;
    await created.started;
    const read = await a.sdk.decide.mutate({ agent: 'Live', action: 'read' });
    expect((await entry.value).id).toBe(read.auditId);
    const wire = await a.sdk.decide.mutate({ agent: 'Live', action: 'wire', args: { n: 1 } });
    expect(await created.value).toBe(wire.approvalId);
  });

  it('a kill on B is refused on A (time measured)', async () => {
    const [a, b] = [api(0), api(1)];
    await a.sdk.registerAgent.mutate({ name: 'Killable', allows: ['read'] });
    expect((await a.sdk.decide.mutate({ agent: 'Killable', action: 'read' })).verdict).toBe(
      'ALLOWED',
    );
    await b.agents.setStatus.mutate({ name: 'Killable', status: 'PAUSED', reason: 'test' });
    const killedAt = performance.now();
    let verdict = '';
    let tries = 0;
    while (verdict !== 'KILLED' && performance.now() - killedAt < 10_000) {
      verdict = (await a.sdk.decide.mutate({ agent: 'Killable', action: 'read' })).verdict;
      tries++;
    }
    const ms = performance.now() - killedAt;
    console.log(`kill on B refused on A after ${ms.toFixed(1)} ms (${tries} decide(s) on A)`);
    expect(verdict).toBe('KILLED');
  });

  it('an approval decided on B resumes the agent waiting on A', async () => {
    const a = createAegis({ url: c.servers[0]!.url, apiKey: c.adminKey, onError: () => {} });
    const b = api(1);
    try {
      const created = await first<number, ChangeEvent>(
        (h) => b.changes.onChange.subscribe(undefined, h),
        (e) =>
          e.type === 'approval.created' && e.approval.agent === 'Waiter'
            ? e.approval.id
            : undefined,
      );
      await created.started;
      const handle = a.agent('Waiter', { review: ['wire'] });
      const call = handle.guard((n: number) => `wired ${n}`, { action: 'wire' })(5);
      await b.approvals.decide.mutate({ id: await created.value, decision: 'APPROVED' });
      await expect(call).resolves.toBe('wired 5');
    } finally {
      await a.close();
    }
  });

  it('10,000 concurrent decisions over both servers: each stored exactly once, the chain verifies', async () => {
    const servers = [api(0), api(1)];
    await servers[0]!.sdk.registerAgent.mutate({
      name: 'Bulk',
      allows: ['read'],
      blocks: ['drop'],
    });
    const total = 10_000;
    const callIds = Array.from(
      { length: total },
      (_, i) => `bulk-${i.toString().padStart(6, '0')}`,
    );
    let next = 0;
    const acknowledged: number[] = [];
    // 64 independent callers, each alternating between the servers
    await Promise.all(
      Array.from({ length: 64 }, async (_, w) => {
        for (let i = next++; i < total; i = next++) {
          const d = await servers[(i + w) % 2]!.sdk.decide.mutate({
            agent: 'Bulk',
            action: i % 10 === 0 ? 'drop' : 'read',
            callId: callIds[i],
          });
          acknowledged.push(d.auditId);
        }
      }),
    );
    expect(new Set(acknowledged).size).toBe(total);
    const stored = await audit()
      .aggregate([
        { $match: { agent: 'Bulk' } },
        { $group: { _id: '$callId', n: { $sum: 1 } } },
        { $match: { n: { $ne: 1 } } },
      ])
      .toArray();
    expect(stored).toEqual([]);
    expect(await audit().countDocuments({ agent: 'Bulk' })).toBe(total);
    expect(await servers[1]!.audit.verify.query()).toMatchObject({ ok: true });
  }, 600_000);

  it('outcomes reported on both servers at once: one outcome chain, one record per call, it verifies', async () => {
    const servers = [api(0), api(1)];
    await servers[0]!.sdk.registerAgent.mutate({ name: 'Sealed', allows: ['read'] });
    const total = 300;
    const decided = await Promise.all(
      Array.from({ length: total }, (_, i) =>
        servers[i % 2]!.sdk.decide.mutate({ agent: 'Sealed', action: 'read', args: { i } }),
      ),
    );
    // Every call reported twice at once, once to each server, sometimes with different outcomes
    // (a retry that disagrees): only one report may win, and only the winner is sealed.
    await Promise.all(
      decided.flatMap((d, i) =>
        servers.map((s, side) =>
          s.sdk.complete
            .mutate({
              callId: d.callId,
              outcome: i % 3 === 0 && side === 1 ? 'error' : 'ok',
              durationMs: 5 + side,
            })
            .catch(() => undefined),
        ),
      ),
    );
    const ids = decided.map((d) => d.auditId);
    const records = store.db('aegis').collection('audit_outcomes');
    // Acknowledged outcomes are sealed in the background, each server's within its gathering
    // window (their entries carry sealPending marks until then).
    await vi.waitFor(
      async () => expect(await records.countDocuments({ entryId: { $in: ids } })).toBe(total),
      { timeout: 20_000, interval: 50 },
    );
    const sealed = await records.find({ entryId: { $in: ids } }).toArray();
    expect(sealed.length).toBe(total);
    expect(new Set(sealed.map((r) => r.entryId as number)).size).toBe(total);
    const entries = await audit()
      .find({ id: { $in: ids } }, { projection: { id: 1, outcome: 1, durationMs: 1 } })
      .toArray();
    const byEntry = new Map(sealed.map((r) => [r.entryId as number, r]));
    for (const e of entries) {
      expect(byEntry.get(e.id as number)).toMatchObject({
        outcome: e.outcome as string,
        durationMs: e.durationMs as number,
      });
    }
    const result = await servers[0]!.audit.verify.query();
    expect(result).toMatchObject({ ok: true, firstBad: null });
    expect(result.outcomes.sealPending).toEqual([]);
    expect(result.outcomes.sealed).toBe(result.outcomes.records);
  }, 240_000);
});

describe('a third server, and one killed under load', () => {
  it('SIGKILL of the server the SDK talks to: no acknowledged decision lost, clients with all URLs carry on', async () => {
    const third = await c.add();
    const urls = [third.url, c.servers[0]!.url, c.servers[1]!.url].join(',');
    const decided: DecisionEvent[] = [];
    const clients = Array.from({ length: 8 }, () =>
      createAegis({
        url: urls,
        apiKey: c.adminKey,
        onError: () => {},
        onDecision: (e) => void decided.push(e),
      }),
    );
    try {
      const handles = clients.map((cl) => cl.agent('Survivor', { allows: ['read'] }));
      let ran = 0;
      const guarded = handles.map((h) => h.guard(() => ran++, { action: 'read' }));
      let stop = false;
      const load = Promise.all(
        guarded.flatMap((g) =>
          Array.from({ length: 8 }, async () => {
            let failed = 0;
            while (!stop) await g().catch(() => failed++);
            return failed;
          }),
        ),
      );
      while (ran < 300) await new Promise((r) => setTimeout(r, 20));
      third.child.kill('SIGKILL');
      const atKill = ran;
      while (ran < atKill + 300) await new Promise((r) => setTimeout(r, 20));
      stop = true;
      const failures = (await load).reduce((x, y) => x + y, 0);
      expect(failures).toBe(0);

      const allowed = decided.filter((e) => e.verdict === 'ALLOWED' && e.auditId !== null);
      expect(allowed.length).toBe(ran);
      const ids = allowed.map((e) => e.auditId as number);
      const found = await audit()
        .find({ id: { $in: ids } }, { projection: { id: 1, callId: 1 } })
        .toArray();
      expect(found).toHaveLength(ids.length);
      const byId = new Map(found.map((d) => [d.id as number, d.callId as string]));
      for (const e of allowed) expect(byId.get(e.auditId as number)).toBe(e.callId);
      const perCall = await audit()
        .aggregate([
          { $match: { agent: 'Survivor', callId: { $ne: null } } },
          { $group: { _id: '$callId', n: { $sum: 1 } } },
          { $match: { n: { $gt: 1 } } },
        ])
        .toArray();
      expect(perCall).toEqual([]);
      expect(await api(0).audit.verify.query()).toMatchObject({ ok: true });
    } finally {
      await Promise.all(clients.map((cl) => cl.close()));
    }
  }, 600_000);
});
