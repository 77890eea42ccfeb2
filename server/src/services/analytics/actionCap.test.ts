import type { Connection } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRepos, type Repos } from '../../data/repos';
import { ActionCap, MAX_ACTIONS_PER_AGENT, OTHER_ACTIONS } from '../../data/repos/rollupActionCap';
import type { RollupDoc } from '../../data/repos/rollups.repo';
import { createLogger } from '../../logger';
import { bucketsFor, rollupTimeline, scanTimeline } from '../timeline';
import { decisions } from './queries';
import { rebuildRollups } from './rebuild';
import { RollupRecorder } from './rollupRecorder';
import { windowFor } from './window';
import { useTestDb } from '../../../test/helpers/testDb';

// One agent key reporting blocked calls under ever new names must not grow the installation's
// Overview document (every call of every agent updates it) nor its own documents without bound.
const logger = createLogger('silent');
const db = useTestDb();
const EXTRA = 150;
const FLOOD = MAX_ACTIONS_PER_AGENT + EXTRA;
let repos: Repos;
let recorder: RollupRecorder;
let conn: Connection;

const call = (agent: string, action: string, status: 'ALLOWED' | 'BLOCKED', i: number) => ({
  timestamp: new Date(),
  agent,
  action,
  status,
  source: 'agent' as const,
  details: '',
  callId: `${agent}-${i}`,
  approvalId: null,
  argsPreview: null,
});

/** Every rollup document of kind `k` (any grain) of agent `a` ('': the installation's). */
async function docs(k: string, a: string): Promise<RollupDoc[]> {
  return (await conn
    .collection('audit_rollups')
    .find({ k, a }, { projection: { _id: 0 } })
    .toArray()) as unknown as RollupDoc[];
}

const fields = (o: unknown): number => Object.keys((o as object | undefined) ?? {}).length;

beforeAll(async () => {
  let rec: RollupRecorder | null = null;
  conn = await db.connect();
  repos = await createRepos(conn, { onAuditWritten: (_, d) => rec?.record(d) });
  recorder = rec = new RollupRecorder(repos, logger);
  // The normal agent's calls before, during and after the flood.
  const writes: Array<Promise<unknown>> = [];
  for (let i = 0; i < 6; i++)
    writes.push(
      repos.audit.write(
        call('payments', i % 2 ? 'refund' : 'lookup', i % 3 ? 'ALLOWED' : 'BLOCKED', i),
      ),
    );
  for (let i = 0; i < FLOOD; i++)
    writes.push(
      repos.audit.write(call('flood', `made.up.tool.${'x'.repeat(60)}.${i}`, 'BLOCKED', i)),
    );
  for (let i = 6; i < 12; i++)
    writes.push(
      repos.audit.write(
        call('payments', i % 2 ? 'refund' : 'lookup', i % 3 ? 'ALLOWED' : 'BLOCKED', i),
      ),
    );
  await Promise.all(writes);
  await recorder.drain();
});

function expectBounded(all: {
  tl: RollupDoc[];
  ag: RollupDoc[];
  seen: RollupDoc[];
  shared: RollupDoc[];
}) {
  // The installation's timeline documents: verdicts and detectors only, whatever agents call.
  expect(all.shared.length).toBeGreaterThan(0);
  for (const d of all.shared) expect(fields(d.b)).toBe(0);
  // The flood agent's own documents: at most MAX_ACTIONS_PER_AGENT actions by name (+ the rest).
  for (const d of all.tl) expect(fields(d.b)).toBeLessThanOrEqual(MAX_ACTIONS_PER_AGENT);
  for (const d of all.ag) expect(fields(d.v)).toBeLessThanOrEqual(MAX_ACTIONS_PER_AGENT + 1);
  expect(all.seen.length).toBeLessThanOrEqual(MAX_ACTIONS_PER_AGENT + 2);
}

const flooded = async () => ({
  tl: await docs('tl', 'flood'),
  ag: await docs('ag', 'flood'),
  seen: await docs('seen', 'flood'),
  shared: await docs('tl', ''),
});

describe('an agent reporting calls under more distinct names than its cap', () => {
  it('grows neither the shared timeline nor its own documents past the cap, and still counts every call', async () => {
    expectBounded(await flooded());
    const flood = await decisions(repos, windowFor({ range: '1h', agent: 'flood' }));
    expect(flood.totals).toMatchObject({ calls: FLOOD, blocked: FLOOD });
    const other = flood.byAction.find((a) => a.action === OTHER_ACTIONS);
    expect(other?.calls).toBe(EXTRA);
    // The agent's all-time totals are whole.
    const facts = await repos.rollups.agentFacts();
    expect(facts.find((d) => d.a === 'flood')?.n).toBe(FLOOD);
  });

  it("keeps the other agents' answers as the log gives them", async () => {
    const payments = await decisions(repos, windowFor({ range: '1h', agent: 'payments' }));
    expect(payments.totals).toMatchObject({ calls: 12, allowed: 8, blocked: 4 });
    expect(payments.byAction.map((a) => [a.action, a.calls]).sort()).toEqual([
      ['lookup', 6],
      ['refund', 6],
    ]);
    const plan = bucketsFor({ hours: 2 });
    const chart = await rollupTimeline(repos, plan);
    const log = await scanTimeline(repos, plan);
    expect(chart.buckets).toEqual(log.buckets);
    // The other agent's two blocked tools, then flood names blocked once each (the first by
    // name are among the itemised ones), counted as the log counts them.
    expect(chart.topBlocked).toEqual(log.topBlocked);
  });

  it('is bounded the same way when rebuilt from the log', async () => {
    await rebuildRollups(repos, logger);
    expectBounded(await flooded());
    const flood = await decisions(repos, windowFor({ range: '1h', agent: 'flood' }));
    expect(flood.totals).toMatchObject({ calls: FLOOD, blocked: FLOOD });
    expect(flood.byAction.find((a) => a.action === OTHER_ACTIONS)?.calls).toBe(EXTRA);
  });
});

describe('ActionCap', () => {
  it("folds an agent's names past its cap, and learns them again from the store after a while", () => {
    const cap = new ActionCap(2);
    const now = Date.now();
    cap.load('a', ['lookup', 'refund'], now);
    expect(cap.admit('a', 'refund')).toBe('refund');
    expect(cap.admit('a', 'wire')).toBe(OTHER_ACTIONS);
    // Another agent has room of its own.
    expect(cap.admit('b', 'wire')).toBe('wire');
    expect(cap.unknown(['a', 'b', 'c'], now)).toEqual(['c']);
    // Later the store holds none of them (the rollups were wiped): the names are admitted again.
    expect(cap.unknown(['a'], now + 3600_000)).toEqual(['a']);
    cap.load('a', [], now + 3600_000);
    expect(cap.admit('a', 'wire')).toBe('wire');
  });
});
