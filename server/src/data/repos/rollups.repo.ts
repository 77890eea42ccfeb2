import type { AnyBulkWriteOperation } from 'mongodb';
import type { Model } from 'mongoose';
import { commandsFor } from '../storeCommands';
import type { ApprovalDoc } from '../models/approval.model';
import type { AuditDoc } from '../models/audit.model';
import type { RollupDoc, RollupGrain, RollupKind } from '../models/rollup.model';

export type { RollupDoc } from '../models/rollup.model';
export { LATENCY_BINS, fieldKey, fromFieldKey } from '../models/rollup.model';
export type { RollupGrain } from '../models/rollup.model';
import type { Increment, RollupSource } from './rollupIncrements';
import { recordRuns, sharedRuns, upsertAll, type KnownRuns, type RunAgents } from './rollupRuns';
import { createWatermarks } from './rollupWatermarks';

const META_ID = 'rollups';
const OLDEST_TTL_MS = 60_000;
/** Bump when what the rollups hold changes: servers then rebuild them once from the log. */
export const ROLLUP_VERSION = 8;

export type RollupQuery = {
  k: RollupKind;
  g: Exclude<RollupGrain, 'all'>;
} & RollupQueryRest &
  ({ from: Date; to: Date | null } | { at: Date[] });

interface RollupQueryRest {
  /** Only this agent's documents ('': those of every agent, kind `tl`). */
  agent?: string;
  action?: string;
  /** Only these agents. */
  agents?: string[];
  /** Fields to read (default: all but `_id`). */
  projection?: Record<string, 0 | 1>;
}

export function createRollupsRepo(
  model: Model<RollupDoc>,
  audit: Model<AuditDoc>,
  approvals: Model<ApprovalDoc>,
) {
  const meta = model.db.collection<{
    _id: string;
    version: number;
    builtAt: Date;
    through: number;
  }>('rollup_meta');
  const writes = commandsFor(model);
  let oldest: { at: number; value: Promise<Date | null> } | undefined;

  /** Adds the increments; `also` (a watermark's move) goes in the same command. */
  async function apply(changes: Increment[], also: AnyBulkWriteOperation[] = []): Promise<void> {
    await upsertAll(writes, [
      ...changes.map((c): AnyBulkWriteOperation => ({
        updateOne: {
          filter: c.key,
          update: {
            $inc: c.inc,
            ...(c.max || c.latest ? { $max: { ...c.max, ...c.latest } } : {}),
            ...(c.min ? { $min: c.min } : {}),
          },
          upsert: true,
        },
      })),
      ...also,
    ]);
  }

  /** Audit entries matching `filter`, oldest first, in pages: what the rollups read of each. */
  async function* pagesOf(
    filter: { through?: number; after?: number; writer?: string },
    pageSize: number,
  ): AsyncGenerator<Array<RollupSource & { id: number }>> {
    let after = filter.after ?? 0;
    for (;;) {
      const id =
        filter.through === undefined ? { $gt: after } : { $gt: after, $lte: filter.through };
      const page = (await audit.collection
        .find(filter.writer === undefined ? { id } : { id, writer: filter.writer }, {
          sort: { id: 1 },
          limit: pageSize,
          projection: ROLLUP_FIELDS,
        })
        .toArray()) as unknown as Array<RollupSource & { id: number }>;
      if (page.length === 0) return;
      after = page[page.length - 1]!.id;
      yield page;
    }
  }

  return {
    apply,

    /** Each server's watermark over the entries it wrote (see rollupWatermarks.ts). */
    watermarks: createWatermarks(model.collection),

    /**
     * Documents of one kind and grain in [from, to) (to: none, every later one too) or of the
     * buckets starting `at` the given times, optionally of some agents / one action.
     */
    find(q: RollupQuery): Promise<RollupDoc[]> {
      const filter: Record<string, unknown> = {
        k: q.k,
        g: q.g,
        t: 'at' in q ? { $in: q.at } : q.to ? { $gte: q.from, $lt: q.to } : { $gte: q.from },
      };
      if (q.agent !== undefined) filter.a = q.agent;
      else if (q.agents) filter.a = { $in: q.agents };
      if (q.action) filter.x = q.action;
      // In batches: a week at hour grain is ~800,000 documents at 1,000,000 entries, which one
      // reply would have the embedded store decode at once in the server's thread (10 s with
      // nothing else answered); between batches every other request gets through.
      return model.collection
        .find(filter, { projection: q.projection ?? { _id: 0 } })
        .batchSize(1000)
        .toArray() as unknown as Promise<RollupDoc[]>;
    },

    /**
     * The minute of the oldest call the rollups count (null: none), remembered for a minute: a
     * hint that lets a window's cover skip buckets older than any data (services/analytics/
     * cover.ts). A stale answer only costs reading a few more documents, never a wrong count.
     */
    oldestCall(): Promise<Date | null> {
      const now = Date.now();
      if (!oldest || now - oldest.at > OLDEST_TTL_MS) {
        const read = model.collection
          .findOne(
            { k: 'ag', g: 'm' },
            { sort: { k: 1, g: 1, t: 1 }, projection: { _id: 0, t: 1 } },
          )
          .then((d) => (d?.t instanceof Date ? d.t : null));
        oldest = { at: now, value: read };
        // A failed read is not remembered.
        read.catch(() => (oldest = undefined));
      }
      return oldest.value;
    },

    /** Whether the rollups hold this version's counters for the whole log (no rebuild pending). */
    async current(): Promise<boolean> {
      return (
        (await meta.findOne({ _id: META_ID }, { projection: { version: 1 } }))?.version ===
        ROLLUP_VERSION
      );
    },

    /** Adds runs' agents, and the pairs of agents they make (see rollupRuns.ts). */
    recordRuns: (runs: RunAgents, known: KnownRuns) =>
      recordRuns(model.collection, writes, runs, known),

    /** Agent → other agent → a few runs they shared (these agents; all when omitted). */
    sharedRuns: (agents?: readonly string[]) => sharedRuns(model.collection, agents),

    /**
     * All-time facts per agent × action (these agents; all when omitted): calls by status (`v`),
     * first and last seen, detectors found (`dt`).
     */
    async toolFacts(agents?: readonly string[]): Promise<RollupDoc[]> {
      return (await model.collection
        .find(
          {
            k: 'seen',
            g: 'all',
            t: new Date(0),
            ...(agents ? { a: { $in: [...agents] } } : {}),
            x: { $ne: '' },
          },
          { projection: { _id: 0 } },
        )
        .batchSize(1000)
        .toArray()) as unknown as RollupDoc[];
    },

    /**
     * The actions of these agents that their rollups itemise (see ActionCap): their `seen`
     * documents' actions, at most MAX_ACTIONS_PER_AGENT (+ OTHER_ACTIONS) each.
     */
    async itemisedActions(agents: readonly string[]): Promise<Map<string, string[]>> {
      const by = new Map<string, string[]>(agents.map((a) => [a, []]));
      if (agents.length === 0) return by;
      const docs = await model.collection
        .find(
          { k: 'seen', g: 'all', t: new Date(0), a: { $in: [...agents] }, x: { $ne: '' } },
          { projection: { _id: 0, a: 1, x: 1 } },
        )
        .batchSize(1000)
        .toArray();
      for (const d of docs) by.get(d.a as string)?.push(d.x as string);
      return by;
    },

    /** All-time facts per agent (every agent): calls by status (`v`), first and last seen. */
    async agentFacts(): Promise<RollupDoc[]> {
      return (await model.collection
        .find({ k: 'seen', g: 'all', t: new Date(0), x: '' }, { projection: { _id: 0 } })
        .batchSize(1000)
        .toArray()) as unknown as RollupDoc[];
    },

    /** First-seen markers: per agent × action, and per agent (x = ''). */
    async firstSeen(agents: string[]): Promise<RollupDoc[]> {
      return (await model.collection
        .find(
          { k: 'seen', g: 'all', t: new Date(0), a: { $in: agents } },
          { projection: { _id: 0 } },
        )
        .toArray()) as unknown as RollupDoc[];
    },

    /** When each approval was opened (for the latency of a person's decision). */
    async approvalsCreated(ids: number[]): Promise<Map<number, Date>> {
      if (ids.length === 0) return new Map();
      const docs = await approvals.collection
        .find({ id: { $in: ids } }, { projection: { id: 1, createdAt: 1 } })
        .toArray();
      return new Map(docs.map((d) => [d.id as number, d.createdAt as Date]));
    },

    async meta() {
      return meta.findOne({ _id: META_ID });
    },

    async markBuilt(through: number): Promise<void> {
      // Every entry up to `through` is counted now, whichever server wrote it.
      await model.collection.updateMany({ k: 'wm' }, { $max: { through } });
      await meta.updateOne(
        { _id: META_ID },
        { $set: { version: ROLLUP_VERSION, builtAt: new Date(), through } },
        { upsert: true },
      );
    },

    /**
     * The rollups are being recounted: until markBuilt they are not `current`, so readers of
     * all-time facts (governance, the agent list, the graph, the Overview chart) read the log
     * instead of half-rebuilt counters, and a server that starts while a rebuild died half-way
     * rebuilds them again.
     */
    async markRebuilding(): Promise<void> {
      await meta.updateOne(
        { _id: META_ID },
        { $set: { version: 0, builtAt: new Date(), through: 0 } },
        { upsert: true },
      );
    },

    /**
     * Removes every rollup; the build marker stays (a wiped log has nothing to rebuild), and so do
     * the servers' watermarks (markBuilt raises them to what the rebuild counted).
     */
    async deleteAll(): Promise<void> {
      await model.collection.deleteMany({ k: { $ne: 'wm' } });
    },

    /** The newest entry's id (where a rebuild stops). */
    async auditHead(): Promise<number> {
      const last = await audit.collection.findOne({}, { sort: { id: -1 }, projection: { id: 1 } });
      return (last?.id as number | undefined) ?? 0;
    },

    /** Audit entries with id ≤ `through`, oldest first, in pages (the rebuild reads the whole log). */
    auditPages: (through: number, pageSize = 5000) => pagesOf({ through }, pageSize),

    /**
     * One writer's entries with id > `after`, oldest first, in pages (a stopped server's entries
     * its rollups never counted). Read along the id index: the entries since its last count.
     */
    writerPages: (writer: string, after: number, pageSize = 5000) =>
      pagesOf({ after, writer }, pageSize),
  };
}

/** What the rollups read of an audit entry. */
const ROLLUP_FIELDS = {
  _id: 0,
  id: 1,
  timestamp: 1,
  agent: 1,
  action: 1,
  status: 1,
  source: 1,
  actor: 1,
  approvalId: 1,
  rule: 1,
  findings: 1,
  resultFindings: 1,
  tags: 1,
  runId: 1,
} as const;

export type RollupsRepo = ReturnType<typeof createRollupsRepo>;
