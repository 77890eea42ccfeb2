import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Which counter a rollup document holds. `ag` holds one agent's calls of a bucket — every action's
 * verdicts, deciding rules, findings and data tags — in one document (analytics tables and the
 * agent graph read it); `tl` with no agent the bucket's entries of every agent (the Overview
 * timeline: verdicts and findings of both sides; the decisions and DLP charts: calls by verdict
 * and argument findings), with an agent its BLOCKED entries by action; `appr` a reviewer's
 * decisions; `seen` all-time facts per agent × action and per agent (calls by
 * status, first and last seen, detectors found); `run` a run's agents (`r`: the run id) and `pair`
 * a few runs agent `a` shared with agent `x` (services' "same-run" dependencies).
 */
export type RollupKind = 'ag' | 'appr' | 'seen' | 'tl' | 'run' | 'pair';
/**
 * Minute, hour, day and week buckets (UTC; weeks from the epoch), and for `ag` only also quarter
 * days (`q`: 00, 06, 12, 18 UTC) and weeks, so a window's edges and a month are a few documents
 * per agent; `all` for the first-seen markers.
 */
export type RollupGrain = 'm' | 'h' | 'q' | 'd' | 'w' | 'all';

/**
 * Counts of audit entries per time bucket and dimensions, kept up to date with atomic `$inc`
 * upserts as entries are written (services/analytics/rollupRecorder.ts), so analytics read a few
 * thousand small documents instead of millions of entries. Unused dimensions are ''.
 */
export interface RollupDoc {
  k: RollupKind;
  g: RollupGrain;
  /** Bucket start. */
  t: Date;
  /** Agent. */
  a: string;
  /** Action. */
  x: string;
  /** Decision (appr), verdict (tl). */
  s: string;
  /** Unused ('': kept in the key, rollups of older layouts had it). */
  r: string;
  /** Reviewer (appr). */
  d: string;
  /** Entries counted (ag, appr, seen). */
  n: number;
  /**
   * tl, per detector: the calls it was found in the arguments of (`c`) and its matches there
   * (`f`); what the timeline counts beyond them (`xc`, `xf`: result findings, and entries that are
   * not calls), so the timeline's entries with a detector are c + xc, its matches f + xf. One
   * document holds every detector.
   */
  c?: Record<string, number>;
  f?: Record<string, number>;
  xc?: Record<string, number>;
  xf?: Record<string, number>;
  /** tl: the agents' calls (`isCall`) by status. */
  cv?: Record<string, number>;
  /** appr: summed and largest time to the decision, and a histogram by LATENCY_BINS. */
  ms?: number;
  mx?: number;
  h?: Record<string, number>;
  /** seen: the first entry's time; run: its first call's. */
  first?: Date;
  /** seen: the last entry's time. */
  last?: Date;
  /** run: its agents (field keys), each 1. */
  ra?: Record<string, number>;
  /** pair: runs shared (id, first call), earliest first, at most a few. */
  runs?: Array<{ r: string; first: Date }>;
  /**
   * ag: calls by action (its field key, see `fieldKey`) and status; tl: entries by verdict
   * (ALLOWED, BLOCKED, PENDING, KILLED); seen: calls by status.
   */
  v?: Record<string, Record<string, number>> | Record<string, number>;
  /** ag, by action: ALLOWED entries that follow an approval (the same call as its PENDING). */
  p?: Record<string, number>;
  /**
   * ag, by action, for the graph's calls (ALLOWED without approval, BLOCKED, PENDING, KILLED):
   * calls in which DLP found a detector (arguments or result), and calls carrying a declared tag
   * that no detector of the same name was found for. seen (per action): every detector found in
   * a call, either side (`dt.<detector>`).
   */
  dt?: Record<string, Record<string, number>> | Record<string, number>;
  tg?: Record<string, Record<string, number>>;
  /** tl: BLOCKED entries by action (field key), for "top blocked". */
  b?: Record<string, number>;
  /**
   * ag, by action and detector: calls it was found in the arguments of, and its matches there
   * (minute, hour and day documents only: the DLP page reads a window's own grain).
   */
  dc?: Record<string, Record<string, number>>;
  df?: Record<string, Record<string, number>>;
  /** ag, by action, deciding rule (`scope:id`, as a field key) and status: calls. */
  rl?: Record<string, Record<string, Record<string, number>>>;
}

const rollupSchema = new Schema<RollupDoc>(
  {
    k: { type: String, required: true },
    g: { type: String, required: true },
    t: { type: Date, required: true },
    a: { type: String, default: '' },
    x: { type: String, default: '' },
    s: { type: String, default: '' },
    r: { type: String, default: '' },
    d: { type: String, default: '' },
    n: { type: Number, default: 0 },
    c: { type: Schema.Types.Mixed },
    f: { type: Schema.Types.Mixed },
    xc: { type: Schema.Types.Mixed },
    xf: { type: Schema.Types.Mixed },
    cv: { type: Schema.Types.Mixed },
    ms: { type: Number },
    mx: { type: Number },
    h: { type: Schema.Types.Mixed },
    first: { type: Date },
    last: { type: Date },
    ra: { type: Schema.Types.Mixed },
    runs: { type: Schema.Types.Mixed },
    v: { type: Schema.Types.Mixed },
    p: { type: Schema.Types.Mixed },
    dt: { type: Schema.Types.Mixed },
    tg: { type: Schema.Types.Mixed },
    dc: { type: Schema.Types.Mixed },
    df: { type: Schema.Types.Mixed },
    rl: { type: Schema.Types.Mixed },
    b: { type: Schema.Types.Mixed },
  },
  { collection: 'audit_rollups', versionKey: false, autoIndex: false, minimize: false },
);
// One document per bucket and dimensions (what makes concurrent upserts from several servers add
// up rather than duplicate); its prefix answers every range query.
rollupSchema.index({ k: 1, g: 1, t: 1, a: 1, x: 1, s: 1, r: 1, d: 1 }, { unique: true });

export function rollupModel(conn: Connection): Model<RollupDoc> {
  return (
    (conn.models.Rollup as Model<RollupDoc> | undefined) ??
    conn.model<RollupDoc>('Rollup', rollupSchema)
  );
}

/** Upper edges (ms) of the approval-latency histogram bins; the last bin is open. */
export const LATENCY_BINS = [
  5_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000, 7_200_000,
  21_600_000, 86_400_000,
];

/**
 * A name as a field key of a rollup document: every character outside `[A-Za-z0-9_:/-]` (the dot
 * of a path, a leading `$`, anything a tag may hold) as `%XXXX`. Reversible with `fromFieldKey`.
 */
export function fieldKey(name: string): string {
  return name.replace(
    /[^A-Za-z0-9_:/-]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
}

export function fromFieldKey(key: string): string {
  return key.replace(/%([0-9A-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
