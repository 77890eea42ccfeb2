import mongoose, { type Connection } from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { createRepos } from '../../data/repos';
import type { AuditDoc } from '../../data/models/audit.model';
import { WATERMARK_GRACE_MS } from '../../data/repos/rollupWatermarks';
import { createLogger } from '../../logger';
import { ensureRollups, rebuildRollups } from './rebuild';
import { recoverWriters } from './recoverWriters';
import { RollupRecorder } from './rollupRecorder';
import { useTestDb } from '../../../test/helpers/testDb';

// A server keeps a group of rollup counters in memory for up to 50 ms before writing them. One
// that stops in that window (SIGKILL, a crash, the machine lost) must not leave the Overview,
// analytics, the graph and the manifests' observed tools short of its last calls: its
// watermark says how far its entries are counted, and another server counts the rest.
const logger = createLogger('silent');
const db = useTestDb();
const NEVER = 1e9;
const later = () => Date.now() + WATERMARK_GRACE_MS + 1_000;

const entry = (i: number) => ({
  timestamp: new Date(Date.UTC(2026, 10, 2, 9) + i * 7_000),
  agent: `agent-${i % 3}`,
  action: i % 4 === 0 ? 'send_notification' : 'lookup',
  status: i % 5 === 0 ? ('BLOCKED' as const) : ('ALLOWED' as const),
  source: 'server' as const,
  details: '',
  callId: `c-${i}`,
  approvalId: null,
  argsPreview: null,
  runId: `run-${i % 2}`,
  ...(i % 3 === 0
    ? { findings: [{ detector: 'card', path: '/message', count: 2, confidence: 0.95 }] }
    : {}),
});

// Each test on a database of its own in the file's store (the "servers" of a test share it).
const conns: Connection[] = [];
afterAll(async () => {
  for (const conn of conns) await conn.close();
});
let dbName = '';
async function connect(): Promise<Connection> {
  const conn = await mongoose.createConnection(db.store.uri, { dbName }).asPromise();
  conns.push(conn);
  return conn;
}

/** Every rollup counter but the watermarks, in a stable order: what the dashboards read. */
async function counters(): Promise<string[]> {
  const docs = await (
    await connect()
  )
    .collection('audit_rollups')
    .find({ k: { $ne: 'wm' } }, { projection: { _id: 0 } })
    .toArray();
  return docs.map((d) => JSON.stringify(d, Object.keys(d).sort())).sort();
}

/** Repos whose written entries go to whichever recorder `to.current` names (this "server"). */
async function reposFor(to: { current: RollupRecorder | null }, writerId: string) {
  return createRepos(await connect(), {
    onAuditWritten: (_entries, docs: readonly AuditDoc[]) => to.current?.record(docs),
    writerId,
  });
}

describe('entries of a server that stopped before counting them', () => {
  it('are counted by another server from the stopped one’s watermark: nothing missed, nothing twice', async () => {
    dbName = 'recover-stopped';
    const route: { current: RollupRecorder | null } = { current: null };
    const dead = await reposFor(route, 'w-dead');
    expect(await ensureRollups(dead, logger)).toBe(false);
    expect(await dead.rollups.current()).toBe(true);

    // The first server counts 12 entries, then stores 9 more and stops before writing them.
    const first = new RollupRecorder(dead, logger, NEVER, 'w-dead');
    await first.start();
    route.current = first;
    for (let i = 0; i < 12; i++) await dead.audit.write(entry(i));
    await first.drain();
    for (let i = 12; i < 21; i++) await dead.audit.write(entry(i));
    route.current = null;
    expect((await dead.rollups.watermarks.get('w-dead'))?.through).toBe(12);

    // A second server, alive and counting its own.
    const liveRoute: { current: RollupRecorder | null } = { current: null };
    const live = await reposFor(liveRoute, 'w-live');
    const second = new RollupRecorder(live, logger, 10, 'w-live');
    await second.start();
    liveRoute.current = second;
    for (let i = 21; i < 24; i++) await live.audit.write(entry(i));
    await second.drain();
    const short = await counters();

    // Too early: the first server may only be slow.
    expect(await recoverWriters(live, logger, 'w-live')).toBe(0);
    expect(await counters()).toEqual(short);

    // Past the grace period: its 9 uncounted entries are counted, once.
    expect(await recoverWriters(live, logger, 'w-live', later())).toBe(9);
    const recovered = await counters();
    expect(recovered).not.toEqual(short);
    expect(await live.rollups.watermarks.get('w-dead')).toBeNull();
    expect(await recoverWriters(live, logger, 'w-live', later())).toBe(0);
    expect(await counters()).toEqual(recovered);

    // What a full recount of the log gives: the same counters.
    await rebuildRollups(live, logger);
    expect(await counters()).toEqual(recovered);
    const facts = await live.rollups.toolFacts(['agent-0', 'agent-1', 'agent-2']);
    expect(facts.reduce((n, d) => n + (d.n ?? 0), 0)).toBe(24);
    await second.stop();
  });

  it('are left alone while the rollups are rebuilt, and a rebuild moves every watermark past what it counted', async () => {
    dbName = 'recover-rebuild';
    const route: { current: RollupRecorder | null } = { current: null };
    const repos = await reposFor(route, 'w-a');
    await ensureRollups(repos, logger);
    const a = new RollupRecorder(repos, logger, NEVER, 'w-a');
    await a.start();
    route.current = a;
    for (let i = 0; i < 5; i++) await repos.audit.write(entry(i));
    route.current = null;

    await repos.rollups.markRebuilding();
    expect(await recoverWriters(repos, logger, 'w-b', later())).toBe(0);
    // The rebuild counts all 5; the watermark (kept through it) then says so.
    await rebuildRollups(repos, logger);
    expect((await repos.rollups.watermarks.get('w-a'))?.through).toBe(5);
    const rebuilt = await counters();
    expect(await recoverWriters(repos, logger, 'w-b', later())).toBe(0);
    expect(await counters()).toEqual(rebuilt);
    expect(await repos.rollups.watermarks.get('w-a')).toBeNull();
  });

  it('a server that stops cleanly counts everything and leaves no watermark behind', async () => {
    dbName = 'recover-clean';
    const route: { current: RollupRecorder | null } = { current: null };
    const repos = await reposFor(route, 'w-clean');
    await ensureRollups(repos, logger);
    const recorder = new RollupRecorder(repos, logger, NEVER, 'w-clean');
    await recorder.start();
    route.current = recorder;
    for (let i = 0; i < 4; i++) await repos.audit.write(entry(i));
    await recorder.stop();
    expect(await repos.rollups.watermarks.get('w-clean')).toBeNull();
    const facts = await repos.rollups.toolFacts(['agent-0', 'agent-1', 'agent-2']);
    expect(facts.reduce((n, d) => n + (d.n ?? 0), 0)).toBe(4);
  });
});
