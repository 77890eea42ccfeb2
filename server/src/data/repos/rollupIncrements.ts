import { isCall, isDetectorName, type AuditSource, type AuditStatus } from '@aegis/shared';
import { fieldKey, LATENCY_BINS, type RollupDoc, type RollupGrain } from '../models/rollup.model';
import { ActionCap, OTHER_ACTIONS } from './rollupActionCap';

/** What rollups read of an audit entry (a stored document or an AuditEntry). */
export interface RollupSource {
  /** The entry's id (a stored document; the watermarks follow it). */
  id?: number;
  timestamp: Date | string;
  agent: string;
  action: string;
  status: AuditStatus;
  source?: AuditSource;
  actor?: string | null;
  approvalId: number | null;
  rule?: { id: string; scope: string } | null;
  /**
   * Argument findings (a stored document), or both sides tagged with `where` (an AuditEntry:
   * findings of the result reported with a local-mode record are among them).
   */
  findings?: ReadonlyArray<Finding & { where?: 'args' | 'result' }>;
  /** Result findings of a stored document. */
  resultFindings?: ReadonlyArray<Finding>;
  /** The tool's declared tags (the graph's data tags). */
  tags?: readonly string[] | null;
  /** The run the call belongs to (agents met in one run are dependencies of each other). */
  runId?: string | null;
}

type Finding = { detector: string; count: number };

/** An entry whose result findings were recorded after it was written (its outcome report). */
export interface LateResult {
  timestamp: Date | string;
  /** The entry's call (the graph's data tags per agent and tool); absent: the timeline only. */
  call?: Pick<RollupSource, 'agent' | 'action' | 'status' | 'source' | 'approvalId' | 'tags'>;
  /** The entry's argument findings (their detectors already counted with the entry). */
  findings?: ReadonlyArray<Finding>;
  resultFindings: ReadonlyArray<Finding>;
}

/** Verdict columns of the Overview timeline (kind `tl`); other statuses are not counted there. */
const TIMELINE_STATUSES = new Set<AuditStatus>(['ALLOWED', 'BLOCKED', 'PENDING', 'KILLED']);

export type RollupKey = Pick<RollupDoc, 'k' | 'g' | 't' | 'a' | 'x' | 's' | 'r' | 'd'>;

/**
 * The change to one rollup document: counters to add, a latency to max, a first time to min, a
 * last time to max.
 */
export interface Increment {
  key: RollupKey;
  inc: Record<string, number>;
  max?: Record<string, number>;
  min?: Record<string, Date>;
  latest?: Record<string, Date>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const GRAINS: Array<[RollupGrain, number]> = [
  ['m', MINUTE],
  ['h', HOUR],
  ['d', DAY],
];
const QUARTER_DAY = 6 * HOUR;
/**
 * An agent's calls are kept by the quarter day and the week too: the edges of a window (the
 * hours of a day outside "the last 24 hours") are then ≤ ~3 documents per agent instead of up to
 * 12, and a 30-day window ~10 documents per agent.
 */
const AGENT_GRAINS: Array<[RollupGrain, number]> = [
  ['m', MINUTE],
  ['h', HOUR],
  ['q', QUARTER_DAY],
  ['d', DAY],
  ['w', WEEK],
];
export const GRAIN_MS: Record<Exclude<RollupGrain, 'all'>, number> = {
  m: MINUTE,
  h: HOUR,
  q: QUARTER_DAY,
  d: DAY,
  w: WEEK,
};

/** The verdicts the agent graph counts as one call each (an approved call's ALLOWED excluded). */
const GRAPH_STATUSES = new Set<AuditStatus>(['ALLOWED', 'BLOCKED', 'PENDING', 'KILLED']);
const isGraphCall = (c: { status: AuditStatus; approvalId: number | null }) =>
  GRAPH_STATUSES.has(c.status) && !(c.status === 'ALLOWED' && c.approvalId !== null);
const EPOCH = new Date(0);

const NONE: ReadonlySet<string> = new Set();
const NO_DETECTORS: ReadonlyMap<string, number> = new Map();

/**
 * Folds audit entries into rollup increments, merged by document, so a group of 500 entries of a
 * few agents becomes a few dozen upserts. `approvalCreated` gives, per approval id, when the
 * approval was opened: a person's decision then adds its latency. Pure but for `cap` (the
 * agents' itemised actions, which the recorder and the rebuild keep across groups): an agent's
 * actions past its cap are counted as OTHER_ACTIONS, so no agent grows a document without bound.
 */
export class IncrementSet {
  private readonly byKey = new Map<string, Increment>();

  constructor(private readonly cap = new ActionCap()) {}

  add(raw: RollupSource, approvalCreated?: ReadonlyMap<number, Date>): void {
    const entry = this.usesAction(raw) ? this.capped(raw) : raw;
    const at = new Date(entry.timestamp).getTime();
    const base = { a: entry.agent, x: entry.action, s: '', r: '', d: '' };
    const findings = this.countable(entry.agent, entry.findings);
    const args = findings.filter((f) => f.where !== 'result');
    const result = [
      ...this.countable(entry.agent, entry.resultFindings),
      ...findings.filter((f) => f.where === 'result'),
    ];
    const call = isCall({ status: entry.status, source: entry.source ?? 'server' });
    const detectors = call ? sumByDetector(args) : NO_DETECTORS;
    this.addTimeline(at, entry, call, detectors, call ? result : [...args, ...result]);
    if (call) {
      this.everyGrain(at, agentKey(entry.agent), this.agentCall(entry, args, result), AGENT_GRAINS);
      // Argument findings by action and detector (the DLP page filtered to an agent or action):
      // at the grains a window's chart reads, not the quarter days and weeks of the tables.
      if (detectors.size > 0)
        this.everyGrain(at, agentKey(entry.agent), this.argFindings(entry, detectors));
      // All time, per agent × action and per agent: calls by status, first and last seen, and
      // (per action) every detector found on either side — the agent list's counts and the
      // manifests' observed tools, read without touching the log.
      const first = new Date(at);
      const status = `v.${entry.status}`;
      // Each detector once, whatever number of findings (paths, sides) it had.
      const found = new Set<string>();
      for (const f of args) found.add(`dt.${f.detector}`);
      for (const f of result) found.add(`dt.${f.detector}`);
      this.seen(entry.agent, entry.action, status, found, first);
      this.seen(entry.agent, '', status, NONE, first);
    } else if (
      entry.source === 'person' &&
      (entry.status === 'APPROVED' || entry.status === 'DENIED') &&
      entry.approvalId !== null
    ) {
      const created = approvalCreated?.get(entry.approvalId);
      if (!created) return;
      const ms = Math.max(0, at - created.getTime());
      const bin = LATENCY_BINS.findIndex((edge) => ms <= edge);
      const inc = { n: 1, ms, [`h.${bin === -1 ? LATENCY_BINS.length : bin}`]: 1 };
      this.everyGrain(
        at,
        { ...base, k: 'appr', s: entry.status, d: entry.actor ?? '' },
        inc,
        GRAINS,
        { mx: ms },
      );
    }
  }

  /**
   * Result findings recorded with an entry's outcome: their matches, and the entry once more for
   * each detector its arguments did not already have (the timeline counts calls per detector).
   */
  addResult(raw: LateResult): void {
    const agent = raw.call?.agent ?? '';
    const late = { ...raw, resultFindings: this.countable(agent, raw.resultFindings) };
    const at = new Date(late.timestamp).getTime();
    const seen = new Set(this.countable(agent, late.findings).map((f) => f.detector));
    const inc: Record<string, number> = {};
    for (const [detector, found] of sumByDetector(late.resultFindings)) {
      inc[`xf.${detector}`] = found;
      if (!seen.has(detector)) inc[`xc.${detector}`] = 1;
    }
    if (Object.keys(inc).length > 0) this.everyGrain(at, TIMELINE, inc);
    const call = late.call && this.usesAction(late.call) ? this.capped(late.call) : late.call;
    if (!call || !isCall({ status: call.status, source: call.source ?? 'server' })) return;
    const resultDetectors = sumByDetector(late.resultFindings);
    if (resultDetectors.size > 0) {
      const found: Record<string, number> = {};
      for (const [detector] of resultDetectors) found[`dt.${detector}`] = 1;
      this.merge({
        key: { k: 'seen', g: 'all', t: EPOCH, a: call.agent, x: call.action, s: '', r: '', d: '' },
        inc: found,
      });
    }
    if (!isGraphCall(call)) return;
    // The graph's data tags of the call: a detector found only now, and a declared tag of the same
    // name that stops counting as a tag (a label is a detector once DLP found it).
    const x = fieldKey(call.action);
    const tags = new Set(call.tags ?? []);
    const agentInc: Record<string, number> = {};
    for (const [detector] of sumByDetector(late.resultFindings)) {
      if (seen.has(detector)) continue;
      agentInc[`dt.${x}.${detector}`] = 1;
      if (tags.has(detector)) agentInc[`tg.${x}.${fieldKey(detector)}`] = -1;
    }
    if (Object.keys(agentInc).length > 0)
      this.everyGrain(at, agentKey(call.agent), agentInc, AGENT_GRAINS);
  }

  /**
   * An agent's call in its agent document: verdict by action, the deciding rule and the graph's
   * data tags. Findings add fields to documents the call updates anyway, never a document of
   * their own.
   */
  private agentCall(
    entry: RollupSource,
    args: readonly Finding[],
    result: readonly Finding[],
  ): Record<string, number> {
    const x = fieldKey(entry.action);
    const inc: Record<string, number> = { n: 1, [`v.${x}.${entry.status}`]: 1 };
    if (entry.rule)
      inc[`rl.${x}.${fieldKey(`${entry.rule.scope}:${entry.rule.id}`)}.${entry.status}`] = 1;
    if (entry.status === 'ALLOWED' && entry.approvalId !== null) inc[`p.${x}`] = 1;
    if (!isGraphCall(entry)) return inc;
    const found = new Set([...args, ...result].map((f) => f.detector));
    for (const detector of found) inc[`dt.${x}.${detector}`] = 1;
    for (const tag of new Set(entry.tags ?? []))
      if (!found.has(tag)) inc[`tg.${x}.${fieldKey(tag)}`] = 1;
    return inc;
  }

  /** A call's argument findings by action and detector: calls (`dc`) and matches (`df`). */
  private argFindings(
    entry: RollupSource,
    detectors: ReadonlyMap<string, number>,
  ): Record<string, number> {
    const x = fieldKey(entry.action);
    const inc: Record<string, number> = {};
    for (const [detector, matches] of detectors) {
      inc[`dc.${x}.${detector}`] = 1;
      inc[`df.${x}.${detector}`] = matches;
    }
    return inc;
  }

  /**
   * The findings whose detectors are counted. A name becomes part of a counter's field path
   * (`xf.<detector>`), and the log may hold findings an SDK sent before their names were checked
   * (a `.`, a `$`, a NUL): counted, such a name would fail the rollup write of every entry merged
   * with it, and every rebuild from the log after it. Custom names are capped per agent (see
   * ActionCap.admitDetector): the SDK reports them, and an invented name is a counter more in the
   * timeline document every agent updates.
   */
  private countable<F extends Finding>(
    agent: string,
    findings: readonly F[] | undefined,
  ): readonly F[] {
    if (!findings?.length) return [];
    const keep = (f: F) => isDetectorName(f.detector) && this.cap.admitDetector(agent, f.detector);
    return findings.every(keep) ? findings : findings.filter(keep);
  }

  /** Whether an entry's action names a field or document (a call, or a person's decision on one). */
  private usesAction(e: Pick<RollupSource, 'status' | 'source'>): boolean {
    return (
      isCall({ status: e.status, source: e.source ?? 'server' }) ||
      e.status === 'BLOCKED' ||
      (e.source === 'person' && (e.status === 'APPROVED' || e.status === 'DENIED'))
    );
  }

  /** The entry under the name its agent's rollups count it (see ActionCap). */
  private capped<T extends { agent: string; action: string }>(entry: T): T {
    const action = this.cap.admit(entry.agent, entry.action);
    return action === entry.action ? entry : { ...entry, action };
  }

  get size(): number {
    return this.byKey.size;
  }

  values(): Increment[] {
    return [...this.byKey.values()];
  }

  /**
   * The bucket's document of every agent (kind `tl`, no agent): the Overview timeline's counters,
   * of every entry whatever its source (as the chart always counted), and the agents' calls (the
   * decisions and DLP charts). Verdicts of the timeline (`v`) and of calls (`cv`); per detector,
   * the calls with it in their arguments and its matches there (`c`, `f`: the DLP page), and what
   * the timeline counts beyond those (`xc`, `xf`: result findings, entries that are not calls) —
   * so a call with argument findings, the usual case, adds each detector's two counters once,
   * not once per chart.
   * BLOCKED entries by action, for "top blocked", go in the agent's own timeline document — in the
   * shared one every agent's distinct names added a field to a document every call of every
   * agent updates, so one agent key inventing names slowed all of them. Actions past the agent's
   * cap are not kept by name there (not actions to show; the BLOCKED verdict counts them).
   */
  private addTimeline(
    at: number,
    entry: RollupSource,
    call: boolean,
    argDetectors: ReadonlyMap<string, number>,
    rest: readonly Finding[],
  ): void {
    const inc: Record<string, number> = {};
    if (call) {
      inc[`cv.${entry.status}`] = 1;
      for (const [detector, matches] of argDetectors) {
        inc[`c.${detector}`] = 1;
        inc[`f.${detector}`] = matches;
      }
    }
    // The findings the timeline counts beyond a call's arguments (`rest`: its result's; an
    // entry that is not a call, both sides).
    if (rest.length > 0)
      for (const [detector, matches] of sumByDetector(rest)) {
        inc[`xf.${detector}`] = matches;
        if (!argDetectors.has(detector)) inc[`xc.${detector}`] = 1;
      }
    if (TIMELINE_STATUSES.has(entry.status)) {
      inc[`v.${entry.status}`] = 1;
      if (entry.status === 'BLOCKED' && entry.action !== OTHER_ACTIONS)
        this.everyGrain(at, blockedKey(entry.agent), { [`b.${fieldKey(entry.action)}`]: 1 });
    }
    if (Object.keys(inc).length > 0) this.everyGrain(at, TIMELINE, inc);
  }

  /**
   * Adds `inc` to the documents of `dims` at each grain. The hot part of every rollup update (a
   * call adds to ~12 documents): a key string per grain, counters added in place, objects
   * allocated only for a document new to the set.
   */
  private everyGrain(
    at: number,
    dims: Omit<RollupKey, 'g' | 't'>,
    inc: Record<string, number>,
    grains = GRAINS,
    max?: Record<string, number>,
  ) {
    const prefix = `${dims.k}|${dims.a}|${dims.x}|${dims.s}|${dims.r}|${dims.d}|`;
    for (const [g, size] of grains) {
      const t = at - (at % size);
      const id = `${prefix}${g}|${t}`;
      const current = this.byKey.get(id);
      if (!current) {
        this.byKey.set(id, {
          key: { ...dims, g, t: new Date(t) },
          inc: { ...inc },
          ...(max ? { max: { ...max } } : {}),
        });
        continue;
      }
      addInto(current.inc, inc);
      if (max) {
        const into = (current.max ??= {});
        for (const field in max) into[field] = Math.max(into[field] ?? max[field]!, max[field]!);
      }
    }
  }

  /**
   * An entry in an all-time `seen` document (what `merge` does for it, without building the
   * change's objects: every call adds to two of them, and the documents exist after its first).
   */
  private seen(
    a: string,
    x: string,
    status: string,
    found: ReadonlySet<string>,
    first: Date,
  ): void {
    const id = `seen|${a}|${x}||||all|0`;
    const current = this.byKey.get(id);
    if (!current) {
      const inc: Record<string, number> = { n: 1, [status]: 1 };
      for (const field of found) inc[field] = 1;
      this.byKey.set(id, {
        key: { a, x, s: '', r: '', d: '', k: 'seen', g: 'all', t: EPOCH },
        inc,
        min: { first },
        latest: { last: first },
      });
      return;
    }
    const inc = current.inc;
    inc.n = (inc.n ?? 0) + 1;
    inc[status] = (inc[status] ?? 0) + 1;
    for (const field of found) inc[field] = (inc[field] ?? 0) + 1;
    const min = (current.min ??= {});
    if (!(min.first && min.first < first)) min.first = first;
    const latest = (current.latest ??= {});
    if (!(latest.last && latest.last > first)) latest.last = first;
  }

  private merge(change: Increment): void {
    const k = change.key;
    const id = `${k.k}|${k.a}|${k.x}|${k.s}|${k.r}|${k.d}|${k.g}|${k.t.getTime()}`;
    const current = this.byKey.get(id);
    if (!current) {
      this.byKey.set(id, {
        key: k,
        inc: { ...change.inc },
        ...(change.min ? { min: { ...change.min } } : {}),
        ...(change.latest ? { latest: { ...change.latest } } : {}),
      });
      return;
    }
    addInto(current.inc, change.inc);
    if (change.min) {
      const into = (current.min ??= {});
      for (const field in change.min) {
        const v = change.min[field]!;
        const old = into[field];
        into[field] = old && old < v ? old : v;
      }
    }
    if (change.latest) {
      const into = (current.latest ??= {});
      for (const field in change.latest) {
        const v = change.latest[field]!;
        const old = into[field];
        into[field] = old && old > v ? old : v;
      }
    }
  }
}

function addInto(into: Record<string, number>, inc: Readonly<Record<string, number>>): void {
  for (const field in inc) into[field] = (into[field] ?? 0) + inc[field]!;
}

const agentKey = (agent: string) => ({ k: 'ag' as const, a: agent, x: '', s: '', r: '', d: '' });

/** The document of a bucket for every agent (kind `tl`, no agent; see addTimeline). */
const TIMELINE = { k: 'tl', a: '', x: '', s: '', r: '', d: '' } as const;
/** An agent's timeline document of a bucket (kind `tl`): its BLOCKED entries by action only. */
const blockedKey = (agent: string) => ({ k: 'tl' as const, a: agent, x: '', s: '', r: '', d: '' });

function sumByDetector(findings: readonly Finding[]): Map<string, number> {
  const by = new Map<string, number>();
  for (const f of findings) by.set(f.detector, (by.get(f.detector) ?? 0) + f.count);
  return by;
}
