import { isCall } from '@aegis/shared';
import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import type { StoreCommands } from '../storeCommands';
import { fieldKey, fromFieldKey } from '../models/rollup.model';
import type { RollupSource } from './rollupIncrements';

/** Runs listed per pair of agents (a few examples; the dependency is what matters). */
export const RUNS_PER_PAIR = 3;
/** Runs whose agents this server remembers having recorded (beyond it, a run is recorded again: harmless). */
const KNOWN_RUNS = 20_000;
const EPOCH = new Date(0);

/** A run's document: its agents (`ra.<agent field key>`) and its first call's time. */
const runKey = (runId: string) => ({
  k: 'run',
  g: 'all',
  t: EPOCH,
  a: '',
  x: '',
  s: '',
  r: runId,
  d: '',
});
/** What agent `a` shares with agent `x`: a few runs, earliest first. */
const pairKey = (a: string, x: string) => ({
  k: 'pair',
  g: 'all',
  t: EPOCH,
  a,
  x,
  s: '',
  r: '',
  d: '',
});

export type RunAgents = Map<string, { agents: Set<string>; first: Date }>;

/** The runs of these entries' calls (people's actions and alerts are not part of a run's work). */
export function runsOf(entries: readonly RollupSource[]): RunAgents {
  const runs: RunAgents = new Map();
  for (const e of entries) {
    if (typeof e.runId !== 'string' || e.runId === '') continue;
    if (!isCall({ status: e.status, source: e.source ?? 'server' })) continue;
    const at = new Date(e.timestamp);
    const run = runs.get(e.runId);
    if (!run) runs.set(e.runId, { agents: new Set([e.agent]), first: at });
    else {
      run.agents.add(e.agent);
      if (at < run.first) run.first = at;
    }
  }
  return runs;
}

/**
 * The (run, agent) pairs this server has already recorded, most recent last: an agent's next
 * calls in the same run then cost nothing. Only an optimisation — recording again is idempotent.
 */
export class KnownRuns {
  private readonly runs = new Map<string, Set<string>>();

  covers(runId: string, agents: ReadonlySet<string>): boolean {
    const known = this.runs.get(runId);
    if (!known) return false;
    for (const a of agents) if (!known.has(a)) return false;
    return true;
  }

  remember(runId: string, agents: Iterable<string>): void {
    const known = this.runs.get(runId) ?? new Set<string>();
    this.runs.delete(runId);
    for (const a of agents) known.add(a);
    this.runs.set(runId, known);
    if (this.runs.size > KNOWN_RUNS) this.runs.delete(this.runs.keys().next().value as string);
  }
}

/** The rollups' collection, untyped: these documents are only the `run` and `pair` kinds. */
type RollupCollection = Collection;

/**
 * Records which agents met in which runs, as "same-run" dependencies between agents: each run's
 * agents in its own document, and for each pair of agents a few of the runs they shared. Correct
 * with several servers writing one run: each adds its agents first and reads the run back after,
 * so whichever adds the later agent of a pair sees both and lists the run for the pair (listing
 * is idempotent: a run already listed is skipped, the earliest RUNS_PER_PAIR kept).
 */
export async function recordRuns(
  coll: RollupCollection,
  writes: StoreCommands,
  runs: RunAgents,
  known: KnownRuns,
): Promise<void> {
  const todo = [...runs].filter(([id, r]) => !known.covers(id, r.agents));
  if (todo.length === 0) return;
  await upsertAll(
    writes,
    todo.map(([id, r]) => ({
      updateOne: {
        filter: runKey(id),
        update: {
          $set: Object.fromEntries([...r.agents].map((a) => [`ra.${fieldKey(a)}`, 1])),
          $min: { first: r.first },
        },
        upsert: true,
      },
    })),
  );
  const docs = await coll
    .find<{ r: string; ra?: Record<string, number>; first?: Date }>(
      { k: 'run', g: 'all', t: EPOCH, a: '', x: '', s: '', r: { $in: todo.map(([id]) => id) } },
      { projection: { _id: 0, r: 1, ra: 1, first: 1 } },
    )
    .toArray();
  const pairs: Array<AnyBulkWriteOperation> = [];
  const agentsOf = new Map(docs.map((d) => [d.r, Object.keys(d.ra ?? {}).map(fromFieldKey)]));
  for (const doc of docs) {
    const everyone = agentsOf.get(doc.r)!;
    const mine = runs.get(doc.r)?.agents ?? new Set<string>();
    const listed = new Set<string>();
    for (const a of mine)
      for (const b of everyone) {
        if (a === b) continue;
        for (const [x, y] of [
          [a, b],
          [b, a],
        ] as const) {
          if (listed.has(`${x}\u0000${y}`)) continue;
          listed.add(`${x}\u0000${y}`);
          pairs.push({
            updateOne: {
              filter: { ...pairKey(x, y), 'runs.r': { $ne: doc.r } },
              // The driver's types refuse $push modifiers on an untyped document.
              update: {
                $push: {
                  runs: {
                    $each: [{ r: doc.r, first: doc.first ?? EPOCH }],
                    $sort: { first: 1, r: 1 },
                    $slice: RUNS_PER_PAIR,
                  },
                },
              } as never,
              upsert: true,
            },
          });
        }
      }
  }
  // A pair that already lists the run matches nothing, and its upsert then loses on the unique
  // key: that is the "already listed" answer, not a failure.
  await upsertAll(writes, pairs, { duplicatesMeanDone: true });
  for (const [runId, everyone] of agentsOf) known.remember(runId, everyone);
}

/** Agent → other agent → runs they shared (earliest first), for these agents (all when omitted). */
export async function sharedRuns(
  coll: RollupCollection,
  agents?: readonly string[],
): Promise<Map<string, Map<string, string[]>>> {
  const docs = await coll
    .find<{ a: string; x: string; runs?: Array<{ r: string }> }>(
      { k: 'pair', g: 'all', t: EPOCH, ...(agents ? { a: { $in: [...agents] } } : {}) },
      { projection: { _id: 0, a: 1, x: 1, runs: 1 } },
    )
    .batchSize(1000)
    .toArray();
  const out = new Map<string, Map<string, string[]>>();
  for (const doc of docs) {
    const listed = doc.runs ?? [];
    const runs = [...new Set(listed.map((x) => x.r))].slice(0, RUNS_PER_PAIR);
    if (runs.length === 0) continue;
    const others = out.get(doc.a) ?? new Map<string, string[]>();
    others.set(doc.x, runs);
    out.set(doc.a, others);
  }
  return out;
}

/**
 * Unordered upserts. Two servers creating the same new document: one insert loses on the unique
 * index; the document exists then, so the same operations again are plain updates.
 * `duplicatesMeanDone`: a second duplicate is the filter's own "nothing to do" (see recordRuns).
 */
export async function upsertAll(
  writes: Pick<StoreCommands, 'bulkWrite'>,
  ops: Array<AnyBulkWriteOperation>,
  opts: { duplicatesMeanDone?: boolean } = {},
): Promise<void> {
  if (ops.length === 0) return;
  try {
    await writes.bulkWrite(ops, { ordered: false });
  } catch (error) {
    const failed = duplicateIndexes(error);
    if (!failed) throw error;
    try {
      await writes.bulkWrite(
        failed.map((i) => ops[i]!),
        { ordered: false },
      );
    } catch (again) {
      if (!opts.duplicatesMeanDone || !duplicateIndexes(again)) throw again;
    }
  }
}

/** Indexes of the operations refused only for a duplicate key; null when anything else failed. */
function duplicateIndexes(error: unknown): number[] | null {
  const e = error as {
    code?: unknown;
    writeErrors?: Array<{ code?: unknown; index?: unknown }>;
  } | null;
  const errors = Array.isArray(e?.writeErrors) ? e.writeErrors : null;
  if (!errors || errors.length === 0) return null;
  if (errors.some((w) => w.code !== 11000 || typeof w.index !== 'number')) return null;
  return errors.map((w) => w.index as number);
}
