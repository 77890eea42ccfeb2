import type { Model, QueryFilter } from 'mongoose';
import {
  AUDIT_COUNT_CAP,
  DETECTOR_CATEGORIES,
  auditStatus,
  queryTerms,
  isCall,
  notCallStatuses,
  signInActions,
  type AuditCount,
  type AuditCountQuery,
  type AuditEntry,
  type AuditPage,
  type AuditQuery,
  type AuditStatus,
  type CallOutcome,
  type SignInsFilter,
} from '@aegis/shared';
import { DLP_ARGS_INDEX, DLP_RESULT_INDEX, type AuditDoc } from '../models/audit.model';
import {
  OutcomeWriter,
  setOutcomeOnce,
  setOutcomesInBulk,
  type OnResults,
  type ResultReport,
} from './outcomeWriter';
import { OutcomeChain } from './outcomeChain';
import { sealPendingOutcomes } from './sealRecovery';
import type { AuditOutcomeDoc } from '../models/auditOutcome.model';
import {
  AuditWriter,
  earlierEntry,
  type AuditRecord,
  type OnAuditWritten,
  type WrittenEntry,
} from './auditWriter';
import type { CounterDoc } from '../models/counter.model';
import { sourceOf, toAuditEntry } from './mappers';

export interface AgentActivity {
  agent: string;
  counts: Partial<Record<AuditStatus, number>>;
  lastActivityAt: Date | null;
}

/** What a local-mode batch reads of an entry stored under a client key. */
export type KeyedEntry = Pick<
  AuditDoc,
  'agent' | 'action' | 'status' | 'timestamp' | 'callId' | 'approvalId' | 'argsPreview' | 'outcome'
> & { entryKey: string };
/** Entries per read when the activity counts are built from the log. */
const ACTIVITY_PAGE = 5000;

const KEYED_FIELDS = {
  entryKey: 1,
  agent: 1,
  action: 1,
  status: 1,
  timestamp: 1,
  callId: 1,
  approvalId: 1,
  argsPreview: 1,
  outcome: 1,
} as const;

/** How often a process sweeps for outcomes left unsealed while it writes outcomes. */
const SWEEP_EVERY_MS = 60_000;

/** The audit log: chained inserts through the writer, reads and aggregates for the dashboard. */
export function createAuditRepo(
  model: Model<AuditDoc>,
  counters: Model<CounterDoc>,
  outcomeModel: Model<AuditOutcomeDoc>,
  onWritten: OnAuditWritten,
  writerId?: string,
  onResults: OnResults = () => {},
) {
  /** `counters.<collection>` holds the highest id ever used, written when the log is wiped. */
  const floorOf = (name: string) => async () =>
    (await counters.findById(name, { seq: 1 }).lean<CounterDoc | null>())?.seq ?? 0;
  const writer = new AuditWriter(model, floorOf('audit_log'), onWritten, writerId);
  const seals = new OutcomeChain(outcomeModel, floorOf('audit_outcomes'));
  const outcomes = new OutcomeWriter(model, seals, onResults);
  const recover = () => sealPendingOutcomes(model, outcomeModel, seals);
  // The sweep while outcomes are written: at most once a minute per process, in the background,
  // so no call waits for it (see sealRecovery.ts). A failed one leaves its marks to the next.
  let lastSweep = Date.now();
  let sweeping: Promise<unknown> | null = null;
  const sweepSoon = () => {
    if (sweeping || Date.now() - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = Date.now();
    sweeping = recover()
      .catch(() => 0)
      .finally(() => {
        sweeping = null;
      });
  };

  /** Remembers the highest id of a chain before it is wiped (see deleteAll). */
  async function keepFloor(chain: Model<AuditDoc> | Model<AuditOutcomeDoc>, name: string) {
    const last = await chain.collection.findOne({}, { sort: { id: -1 }, projection: { id: 1 } });
    if (last)
      await counters.updateOne(
        { _id: name },
        { $max: { seq: last.id as number } },
        { upsert: true },
      );
  }

  return {
    /** Appends an entry; an outcome known already (a local-mode record) is sealed once it is stored. */
    async write(record: AuditRecord): Promise<WrittenEntry> {
      const entry = await writer.write(record);
      if (record.outcome && !entry.earlier && entry.hash) {
        sweepSoon();
        await seals.sealAll([
          {
            entryId: entry.id,
            entryHash: entry.hash,
            outcome: record.outcome,
            durationMs: record.durationMs ?? null,
            resultFindings: record.resultFindings ?? null,
            resultEffect: record.resultEffect ?? null,
          },
        ]);
      }
      return entry;
    },
    /** Read the chains' heads again before the next append (another server wiped the log). */
    forgetHead: () => {
      writer.reset();
      seals.reset();
    },
    queueDepth: () => writer.queueDepth,
    /** The entry stored under `entryKey`, marked earlier (see WrittenEntry). */
    async findByEntryKey(entryKey: string): Promise<WrittenEntry | null> {
      const doc = await model.findOne({ entryKey }).lean<AuditDoc | null>();
      return doc ? earlierEntry(doc) : null;
    },
    drain: async () => {
      await writer.drain();
      await outcomes.drain();
      await seals.drain();
      await sweeping;
    },
    /**
     * Seals outcomes a stopped server recorded but never sealed (see sealRecovery.ts); at
     * startup, then by itself while outcomes are written. Returns how many were sealed.
     */
    sealPendingOutcomes: recover,
    /** Group-committed outcome of a call known to have none yet (see OutcomeWriter). */
    queueOutcome: (
      id: number,
      outcome: CallOutcome,
      durationMs: number,
      report?: ResultReport,
      /** The entry's hash as this server stored it (spares reading it back to seal). */
      hash?: string,
    ) => {
      sweepSoon();
      return outcomes.set(id, outcome, durationMs, report, hash);
    },

    async list(query: AuditQuery): Promise<AuditPage> {
      const plan = await planRead(model, query);
      if (!plan) return { entries: [], nextCursor: null };
      const read = ({ filter, hint }: ListRead) => {
        const find = model
          .find(filter, { terms: 0 })
          .sort({ id: -1 })
          .limit(query.limit + 1);
        if (hint) void find.hint(hint);
        return find.lean<AuditDoc[]>();
      };
      // A detector filter reads the entries with findings on each side through their own index
      // and merges them newest first (an entry with both comes once).
      const docs = plan.branches
        ? newestFirst(await Promise.all(plan.branches.map(read))).slice(0, query.limit + 1)
        : await read(plan);
      const more = docs.length > query.limit;
      const entries = docs.slice(0, query.limit).map(toAuditEntry);
      return { entries, nextCursor: more ? (entries.at(-1)?.id ?? null) : null };
    },

    /**
     * How many entries match an Activity filter, without walking the log: a filter one index
     * holds exactly (nothing, or only agents, statuses, sources or a rule — sign-ins left out or
     * not) is counted through that index; any other is counted by reading the ids of at most
     * `cap` + 1 of its entries newest first, as a page is read, and past `cap` the answer says
     * "more than". `throughId` is the newest entry counted: entries after it are not in the count
     * (the dashboard adds those that arrive live).
     */
    async count(query: AuditCountQuery, cap = AUDIT_COUNT_CAP): Promise<AuditCount> {
      /** Ids of at most `cap` + 1 matching entries, read newest first (each detector side too). */
      const countIds = async (q: AuditCountQuery & { throughId: number }, max: number) => {
        const plan = await planRead(model, q);
        if (!plan) return { count: 0, exact: true };
        const ids = async ({ filter, hint }: ListRead) => {
          const find = model
            .find(filter, { _id: 0, id: 1 })
            .sort({ id: -1 })
            .limit(max + 1);
          if (hint) void find.hint(hint);
          return (await find.lean<Array<{ id: number }>>()).map((d) => d.id);
        };
        const found = new Set((await Promise.all((plan.branches ?? [plan]).map(ids))).flat());
        return found.size > max ? { count: max, exact: false } : { count: found.size, exact: true };
      };
      const newest = async () =>
        (await model.findOne({}, { _id: 0, id: 1 }).sort({ id: -1 }).lean<{ id: number } | null>())
          ?.id ?? 0;
      const throughId = await newest();
      if (throughId === 0) return { count: 0, exact: true, throughId };
      const upTo = (q: AuditCountQuery) => ({ ...q, throughId });
      const whole = countsThroughIndex(query) ? listFilter({ ...query, signIns: 'include' }) : null;
      if (whole) {
        // Counted without an id bound (an index range count is exact only on the index's own
        // fields): a write in between shows as a new newest id, and then the ids are read instead.
        const all = await model.countDocuments(whole.filter);
        const signIns =
          query.signIns === 'exclude'
            ? await countIds(upTo({ ...query, signIns: 'only' }), cap)
            : { count: 0, exact: true };
        if (signIns.exact && (await newest()) === throughId)
          return { count: all - signIns.count, exact: true, throughId };
      }
      return { ...(await countIds(upTo(query), cap)), throughId };
    },

    /**
     * Every entry matching the filter, newest first, read in batches from a store cursor (for
     * exports: nothing holds more than a batch). Stop early with `break`; the cursor closes.
     */
    async *stream(
      query: Omit<AuditQuery, 'limit'>,
      max = Number.MAX_SAFE_INTEGER,
    ): AsyncGenerator<AuditEntry> {
      const plan = listFilter(query);
      if (!plan || max <= 0) return;
      const find = model.find(plan.filter, { terms: 0 }).sort({ id: -1 }).limit(max).batchSize(500);
      if (plan.hint) void find.hint(plan.hint);
      const cursor = find.lean<AuditDoc>().cursor();
      try {
        for await (const doc of cursor) yield toAuditEntry(doc);
      } finally {
        await cursor.close();
      }
    },

    /**
     * The id a resume may start after at the earliest: before the `cap` newest entries (of
     * `agent`), 0 when there are no more than that. Newest first through the id index.
     */
    async resumeFloor(agent: string | undefined, cap: number): Promise<number> {
      const filter: QueryFilter<AuditDoc> = agent ? { agent } : {};
      const [doc] = await model
        .find(filter, { id: 1, _id: 0 })
        .sort({ id: -1 })
        .skip(cap)
        .limit(1)
        .lean<Array<Pick<AuditDoc, 'id'>>>();
      return doc?.id ?? 0;
    },

    /**
     * The id to resume after so that a new subscriber also gets the entries of the last `windowMs`
     * (at most `cap` of them): the newest entry older than that, read newest first through the id
     * index (no timestamp index needed — ids grow with time).
     */
    async recentStart(windowMs: number, agent: string | undefined, cap: number): Promise<number> {
      const filter: QueryFilter<AuditDoc> = agent ? { agent } : {};
      const docs = await model
        .find(filter, { id: 1, timestamp: 1, _id: 0 })
        .sort({ id: -1 })
        .limit(cap + 1)
        .lean<Array<Pick<AuditDoc, 'id' | 'timestamp'>>>();
      const cutoff = Date.now() - windowMs;
      const older = docs.find((d) => d.timestamp.getTime() < cutoff);
      if (older) return older.id;
      // Fewer than cap entries in the window: replay all of them; more: the newest `cap`.
      return docs.length > cap ? (docs.at(-1)?.id ?? 0) : 0;
    },

    async since(afterId: number, agent: string | undefined, limit: number): Promise<AuditEntry[]> {
      const filter: QueryFilter<AuditDoc> = { id: { $gt: afterId } };
      if (agent) filter.agent = agent;
      const docs = await model.find(filter).sort({ id: 1 }).limit(limit).lean<AuditDoc[]>();
      return docs.map(toAuditEntry);
    },

    /**
     * Per-agent counts of calls by status, and the highest id seen. Entries that are not calls (see
     * `isCall`) are left out. Read in id order, a page at a time, and folded here: a `$group`
     * over the whole log made the embedded store hold every entry in memory at once (out of
     * memory at 10,000,000 entries) and answer nothing else until it was done.
     */
    async activity(
      agent?: string,
      pageSize = ACTIVITY_PAGE,
    ): Promise<{ rows: AgentActivity[]; maxId: number }> {
      const byAgent = new Map<string, AgentActivity>();
      let maxId = 0;
      for (;;) {
        const filter: { id: { $gt: number }; agent?: string } = { id: { $gt: maxId } };
        if (agent) filter.agent = agent;
        const page = await model.collection
          .find(filter, {
            sort: { id: 1 },
            limit: pageSize,
            projection: { _id: 0, id: 1, agent: 1, status: 1, source: 1, timestamp: 1 },
          })
          .toArray();
        for (const row of page as unknown as Array<
          Pick<AuditDoc, 'id' | 'agent' | 'status' | 'source' | 'timestamp'>
        >) {
          maxId = Math.max(maxId, row.id);
          if (!isCall({ status: row.status, source: sourceOf(row) })) continue;
          let a = byAgent.get(row.agent);
          if (!a)
            byAgent.set(row.agent, (a = { agent: row.agent, counts: {}, lastActivityAt: null }));
          a.counts[row.status] = (a.counts[row.status] ?? 0) + 1;
          const last = row.timestamp ? new Date(row.timestamp) : null;
          if (last && (!a.lastActivityAt || last > a.lastActivityAt)) a.lastActivityAt = last;
        }
        if (page.length < pageSize) return { rows: [...byAgent.values()], maxId };
      }
    },

    /** The agent's kill-switch history (PAUSED / RESUMED entries), oldest first, as ms times. */
    async statusChanges(agent: string): Promise<Array<{ at: number; status: AuditStatus }>> {
      const docs = await model
        .find(
          { status: { $in: ['PAUSED', 'RESUMED'] }, agent },
          { _id: 0, timestamp: 1, status: 1, id: 1 },
        )
        .sort({ id: 1 })
        .lean<Array<{ timestamp: Date; status: AuditStatus }>>();
      return docs.map((d) => ({ at: new Date(d.timestamp).getTime(), status: d.status }));
    },

    /** How many local-mode ALLOWED records of the agent are dated in [from, to] (a kill's grace). */
    countAllowedReports: (agent: string, from: Date, to: Date) =>
      model.countDocuments({
        agent,
        status: 'ALLOWED',
        source: 'agent',
        timestamp: { $gte: from, $lte: to },
      }),

    /** Whether the agent has made any call yet (its entries other than people's actions and alerts). */
    async hasCalls(agent: string): Promise<boolean> {
      const found = await model
        .findOne(
          { agent, source: { $ne: 'person' }, status: { $nin: [...notCallStatuses] } },
          { _id: 0, id: 1 },
        )
        .lean<{ id: number } | null>();
      return found !== null;
    },

    countSince: (status: AuditStatus, since: Date) =>
      model.countDocuments({ status, timestamp: { $gte: since } }),

    /** Ids and times (ms) of entries with this status since `since`, for the in-memory 24 h window. */
    async timesSince(status: AuditStatus, since: Date): Promise<Array<{ id: number; at: number }>> {
      const docs = await model
        .find({ status, timestamp: { $gte: since } }, { _id: 0, id: 1, timestamp: 1 })
        .lean<Array<{ id: number; timestamp: Date }>>();
      return docs.map((d) => ({ id: d.id, at: new Date(d.timestamp).getTime() }));
    },

    /** The actions an agent called (its calls only: people's actions and alerts are not tools). */
    async toolsUsed(agent: string) {
      const rows = await model.aggregate<{ _id: string; n: number; last: Date }>([
        { $match: { agent, source: { $ne: 'person' }, status: { $nin: [...notCallStatuses] } } },
        { $group: { _id: '$action', n: { $sum: 1 }, last: { $max: '$timestamp' } } },
      ]);
      return rows
        .map((r) => ({ action: r._id, count: r.n, lastUsedAt: new Date(r.last).toISOString() }))
        .sort((a, b) => b.count - a.count || a.action.localeCompare(b.action));
    },

    /**
     * Status, time, action and findings of entries in [from, to), for bucketing (projected,
     * lean). Every status is named so the store walks the
     * {status, timestamp} index instead of the whole log (there is no timestamp index of its own).
     */
    recent: (from: Date, to?: Date) =>
      model
        .find(
          {
            status: { $in: auditStatus.options },
            timestamp: { $gte: from, ...(to ? { $lt: to } : {}) },
          },
          { _id: 0, status: 1, timestamp: 1, action: 1, findings: 1, resultFindings: 1 },
        )
        .hint({ status: 1, timestamp: -1 })
        .lean<
          Array<Pick<AuditDoc, 'status' | 'timestamp' | 'action' | 'findings' | 'resultFindings'>>
        >(),

    /** Whether this agent's call was held on this approval (its entry is PENDING, i.e. REVIEW). */
    async heldOn(agent: string, callId: string, approvalId: number): Promise<boolean> {
      const doc = await model
        .findOne({ callId, agent, approvalId, status: 'PENDING' }, { _id: 1 })
        .lean<{ _id: unknown } | null>();
      return doc !== null;
    },

    /** The ALLOWED entry of a call (the one whose tool actually ran). */
    /**
     * The newest ALLOWED entry of a call id, among `agents` when given (a scoped key's): call ids
     * are the clients', so another agent's entry under the same id must not hide this one.
     */
    async latestAllowedByCallId(
      callId: string,
      agents?: readonly string[],
    ): Promise<AuditEntry | null> {
      const doc = await model
        .findOne({ callId, status: 'ALLOWED', ...(agents ? { agent: { $in: agents } } : {}) })
        .sort({ id: -1 })
        .lean<AuditDoc | null>();
      return doc ? toAuditEntry(doc) : null;
    },

    /** Write-once: returns false when the outcome was already recorded. */
    async setOutcome(
      id: number,
      outcome: CallOutcome,
      durationMs: number,
      report?: ResultReport,
    ): Promise<boolean> {
      sweepSoon();
      return setOutcomeOnce(model, seals, { id }, outcome, durationMs, report ?? {}, onResults);
    },

    /** Local-mode entries by their client key (what a batch needs to dedupe and check outcomes). */
    async byEntryKeys(keys: string[]): Promise<Map<string, KeyedEntry>> {
      if (keys.length === 0) return new Map();
      const docs = await model
        .find({ entryKey: { $in: keys } }, { _id: 0, ...KEYED_FIELDS })
        .lean<Array<KeyedEntry>>();
      return new Map(docs.map((d) => [d.entryKey, d]));
    },

    /** Which of these calls already have an ERROR entry, as `agent\ncallId`. */
    async errorEntriesOf(
      calls: Array<{ agent: string; callId: string | null }>,
    ): Promise<Set<string>> {
      const docs = await model
        .find(
          { status: 'ERROR', callId: { $in: calls.map((c) => c.callId) } },
          { _id: 0, agent: 1, callId: 1 },
        )
        .lean<Array<{ agent: string; callId: string | null }>>();
      return new Set(docs.map((d) => `${d.agent}\n${d.callId}`));
    },

    /** Write-once outcomes of local-mode entries, one bulk write; returns how many were set. */
    async setOutcomesByKey(
      updates: Array<{ entryKey: string; outcome: CallOutcome; durationMs: number } & ResultReport>,
    ): Promise<number> {
      sweepSoon();
      const withResults = await Promise.all(
        updates
          .filter((u) => u.resultFindings?.length)
          .map((u) =>
            setOutcomeOnce(
              model,
              seals,
              { entryKey: u.entryKey },
              u.outcome,
              u.durationMs,
              u,
              onResults,
            ),
          ),
      );
      const plain = updates.filter((u) => !u.resultFindings?.length);
      return (
        withResults.filter(Boolean).length +
        (await setOutcomesInBulk(model, seals, plain)).filter(Boolean).length
      );
    },

    async deleteAll(): Promise<void> {
      await writer.drain();
      await outcomes.drain();
      await seals.drain();
      // Ids keep growing after a wipe: a client resuming a stream from an old id skips nothing,
      // and a server whose cached head predates the wipe cannot append at a free old id.
      await keepFloor(model, 'audit_log');
      await keepFloor(outcomeModel, 'audit_outcomes');
      await model.deleteMany({});
      await outcomeModel.deleteMany({});
      writer.reset();
      seals.reset();
    },
  };
}
export type AuditRepo = ReturnType<typeof createAuditRepo>;

type ListRead = { filter: QueryFilter<AuditDoc>; hint?: Record<string, 1 | -1> | string };

/** A time window holding fewer entries than this is read through the timestamp index. */
export const SMALL_WINDOW = 2000;
const TIMESTAMP_INDEX = { timestamp: -1 } as const;
const TERMS_INDEX = { terms: 1, id: -1 } as const;

/** The plan of an Activity read: its filter and the index to read it through (see below). */
async function planRead(
  model: Model<AuditDoc>,
  query: Omit<AuditQuery, 'limit'> & { throughId?: number },
): Promise<(ListRead & { branches?: ListRead[] }) | null> {
  const lead = await rarestWord(model, query);
  return withWindowHint(model, query, listFilter(query, lead));
}

/**
 * Which of a search's words to read the word index by: the one with the fewest entries. The index
 * is read for one word and the others are checked on each entry it yields, so a common word (in
 * every entry's details) with one no entry has walked all of the common word's entries — as the
 * empty time window did (attack review 15). Each word's entries are counted through the index up
 * to SMALL_WINDOW; undefined when one word, or an agent, action or rule, leads the read anyway.
 */
async function rarestWord(
  model: Model<AuditDoc>,
  query: Omit<AuditQuery, 'limit'>,
): Promise<string | undefined> {
  const words = query.search ? queryTerms(query.search) : [];
  if (words.length < 2 || narrowedByIndex(query) || query.detector) return undefined;
  const sizes = await Promise.all(
    words.map(
      async (word) =>
        (
          await model
            .find({ terms: word }, { _id: 0, id: 1 })
            .hint(TERMS_INDEX)
            .limit(SMALL_WINDOW)
            .lean<Array<{ id: number }>>()
        ).length,
    ),
  );
  const rarest = sizes.indexOf(Math.min(...sizes));
  return words[rarest];
}

/** Whether an agent, action or rule filter leads the read through its own index. */
function narrowedByIndex(
  query: Pick<AuditQuery, 'agent' | 'agents' | 'action' | 'rule' | 'run'>,
): boolean {
  return (
    Boolean(query.agent) ||
    Boolean(query.agents?.length) ||
    Boolean(query.action) ||
    Boolean(query.rule) ||
    Boolean(query.run)
  );
}

/**
 * The plan of a time-windowed read, with the index to read it through. The id index walks the log
 * newest first and stops at a page's worth of matches — unless the window holds none (or few) of
 * them: then it fetches every entry of the log, and a viewer asking for an empty window, a few
 * times at once, held every agent's decisions up behind the store (attack review 15: past 10 s on
 * 31,000 entries, linear in the log). So a window is first measured through the timestamp index,
 * reading at most SMALL_WINDOW ids; one holding fewer is read through that index (at most that
 * many entries, sorted by id in memory), and a fuller window the usual way, where a page's worth
 * of matches is near. Detector filters keep their own (partial) indexes.
 */
async function withWindowHint<P extends ListRead & { branches?: ListRead[] }>(
  model: Model<AuditDoc>,
  query: Pick<AuditQuery, 'from' | 'to'>,
  plan: P | null,
): Promise<P | null> {
  if (!plan || plan.branches || (!query.from && !query.to)) return plan;
  const window = {
    timestamp: {
      ...(query.from ? { $gte: new Date(query.from) } : {}),
      ...(query.to ? { $lte: new Date(query.to) } : {}),
    },
  };
  const inWindow = await model
    .find(window, { _id: 0, id: 1 })
    .hint(TIMESTAMP_INDEX)
    .limit(SMALL_WINDOW)
    .lean<Array<{ id: number }>>();
  return inWindow.length < SMALL_WINDOW ? { ...plan, hint: TIMESTAMP_INDEX } : plan;
}

/**
 * Whether one index holds exactly the entries of this filter (sign-ins aside, which are counted
 * apart and subtracted): no filter, or a single one of agents, statuses, sources or rule — each
 * has an index of its own that leads with it.
 */
function countsThroughIndex(query: AuditCountQuery): boolean {
  if (query.search?.trim() || query.from || query.to || query.action || query.detector || query.run)
    return false;
  // Just the sign-ins: read them (they are few); they are what the others subtract.
  if (query.signIns === 'only') return false;
  const agents = (query.agent ? 1 : 0) + (query.agents?.length ?? 0);
  const narrowing = [
    agents > 0,
    Boolean(query.status?.length),
    Boolean(query.source?.length),
    Boolean(query.rule),
  ];
  return narrowing.filter(Boolean).length <= 1;
}

/** Pages read newest first, merged newest first, each entry once. */
function newestFirst(pages: AuditDoc[][]): AuditDoc[] {
  const byId = new Map<number, AuditDoc>();
  for (const page of pages) for (const doc of page) byId.set(doc.id, doc);
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

/**
 * The store filter of an Activity query, and the index to read for a search (a search word is
 * usually rarer than a status); null when the search has no word to find. With a detector, also
 * the two `branches` a page is best read from (the entries with findings in their arguments, and
 * in their result, each by its partial index); `filter` alone is right too (exports use it).
 */
function listFilter(
  query: Omit<AuditQuery, 'limit'> & { throughId?: number },
  /** The search word to read the word index by (the rarest); by default the longest. */
  lead?: string,
): (ListRead & { branches?: ListRead[] }) | null {
  const filter: QueryFilter<AuditDoc> = {};
  const agents = [...(query.agent ? [query.agent] : []), ...(query.agents ?? [])];
  if (agents.length) filter.agent = { $in: [...new Set(agents)] };
  if (query.rule) filter['rule.id'] = query.rule;
  if (query.run) filter.runId = query.run;
  if (query.status?.length) filter.status = { $in: query.status };
  if (query.source?.length) filter.source = { $in: query.source };
  if (query.action) filter.action = query.action;
  // Arguments are searched as stored: masked, so a hidden value can't be found by guessing it.
  const words = query.search ? queryTerms(query.search) : [];
  const terms = lead && words.includes(lead) ? [lead, ...words.filter((w) => w !== lead)] : words;
  // Only punctuation ("***", ".*"): no word to find, so nothing matches.
  if (query.search?.trim() && terms.length === 0) return null;
  const and: QueryFilter<AuditDoc>[] = terms.slice(1).map((t) => ({ terms: t }));
  if (terms.length) filter.terms = terms[0];
  if (query.from || query.to) {
    filter.timestamp = {
      ...(query.from ? { $gte: new Date(query.from) } : {}),
      ...(query.to ? { $lte: new Date(query.to) } : {}),
    };
  }
  if (query.cursor || query.throughId)
    filter.id = {
      ...(query.cursor ? { $lt: query.cursor } : {}),
      ...(query.throughId ? { $lte: query.throughId } : {}),
    };
  if (query.signIns && query.signIns !== 'include') and.push(signInsClause(query.signIns));
  const withAnd = (extra: QueryFilter<AuditDoc>[]): QueryFilter<AuditDoc> =>
    and.length + extra.length > 0 ? { ...filter, $and: [...and, ...extra] } : filter;
  if (query.detector) {
    const names = detectorsNamed(query.detector);
    const args = { findings: { $exists: true }, 'findings.detector': { $in: names } };
    const result = { resultFindings: { $exists: true }, 'resultFindings.detector': { $in: names } };
    return {
      filter: withAnd([{ $or: [args, result] }]),
      branches: [
        { filter: withAnd([args]), hint: DLP_ARGS_INDEX },
        { filter: withAnd([result]), hint: DLP_RESULT_INDEX },
      ],
    };
  }
  // Read the word's index unless an agent, action or rule narrows the log more surely: a common
  // word with a selective agent would otherwise walk most of that word's entries.
  return {
    filter: withAnd([]),
    ...(terms.length && !narrowedByIndex(query) ? { hint: TERMS_INDEX } : {}),
  };
}

/** Entries that are (`only`) or are not (`exclude`) a dashboard sign-in or sign-out. */
function signInsClause(signIns: Exclude<SignInsFilter, 'include'>): QueryFilter<AuditDoc> {
  const signIn = { status: 'ACCESS' as const, action: { $in: [...signInActions] } };
  return signIns === 'only'
    ? signIn
    : { $or: [{ status: { $ne: 'ACCESS' as const } }, { action: { $nin: [...signInActions] } }] };
}

/** A detector's name, or every detector of a category (`secret` → aws_access_key, jwt, …). */
function detectorsNamed(name: string): string[] {
  if (!Object.hasOwn(DETECTOR_CATEGORIES, name)) return [name];
  return [...DETECTOR_CATEGORIES[name as keyof typeof DETECTOR_CATEGORIES]];
}
