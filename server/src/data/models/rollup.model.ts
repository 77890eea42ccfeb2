import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Which counter a rollup document holds. `tl` and `tlf` are the Overview timeline's (every entry,
 * no agent): verdict counts with the action of blocks, and findings of both sides per detector.
 */
export type RollupKind = 'call' | 'rule' | 'dlp' | 'appr' | 'seen' | 'tl' | 'tlf';
/** Minute, hour, day buckets (UTC); `all` for the first-seen markers. */
export type RollupGrain = 'm' | 'h' | 'd' | 'all';

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
  /** Audit status (call, rule) or decision (appr). */
  s: string;
  /** Deciding rule as `scope:id` (rule). */
  r: string;
  /** Reviewer (appr). */
  d: string;
  /** Entries counted (dlp: calls with findings in their arguments; tlf: entries with any). */
  n: number;
  /**
   * dlp and tlf, per detector: the entries it was found in (`c`) and its matches (`f`) — in the
   * arguments (dlp), or on either side (tlf). One document holds every detector of its bucket.
   */
  c?: Record<string, number>;
  f?: Record<string, number>;
  /** appr: summed and largest time to the decision, and a histogram by LATENCY_BINS. */
  ms?: number;
  mx?: number;
  h?: Record<string, number>;
  /** seen: the first entry's time. */
  first?: Date;
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
    ms: { type: Number },
    mx: { type: Number },
    h: { type: Schema.Types.Mixed },
    first: { type: Date },
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
