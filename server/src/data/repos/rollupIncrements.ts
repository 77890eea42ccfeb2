import { isCall, type AuditSource, type AuditStatus } from '@aegis/shared';
import { LATENCY_BINS, type RollupDoc, type RollupGrain } from '../models/rollup.model';

/** What rollups read of an audit entry (a stored document or an AuditEntry). */
export interface RollupSource {
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
}

type Finding = { detector: string; count: number };

/** An entry whose result findings were recorded after it was written (its outcome report). */
export interface LateResult {
  timestamp: Date | string;
  /** The entry's argument findings (their detectors already counted with the entry). */
  findings?: ReadonlyArray<Finding>;
  resultFindings: ReadonlyArray<Finding>;
}

/** Verdict columns of the Overview timeline (kind `tl`); other statuses are not counted there. */
const TIMELINE_STATUSES = new Set<AuditStatus>(['ALLOWED', 'BLOCKED', 'PENDING', 'KILLED']);

export type RollupKey = Pick<RollupDoc, 'k' | 'g' | 't' | 'a' | 'x' | 's' | 'r' | 'd'>;

/** The change to one rollup document: counters to add, a latency to max, a first time to min. */
export interface Increment {
  key: RollupKey;
  inc: Record<string, number>;
  max?: Record<string, number>;
  min?: Record<string, Date>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const GRAINS: Array<[RollupGrain, number]> = [
  ['m', MINUTE],
  ['h', HOUR],
  ['d', DAY],
];
export const GRAIN_MS: Record<Exclude<RollupGrain, 'all'>, number> = { m: MINUTE, h: HOUR, d: DAY };
const EPOCH = new Date(0);

/**
 * Folds audit entries into rollup increments, merged by document, so a group of 500 entries of a
 * few agents becomes a few dozen upserts. `approvalCreated` gives, per approval id, when the
 * approval was opened: a person's decision then adds its latency. Pure (the rebuild uses it too).
 */
export class IncrementSet {
  private readonly byKey = new Map<string, Increment>();

  add(entry: RollupSource, approvalCreated?: ReadonlyMap<number, Date>): void {
    const at = new Date(entry.timestamp).getTime();
    const base = { a: entry.agent, x: entry.action, s: '', r: '', d: '' };
    const args = (entry.findings ?? []).filter((f) => f.where !== 'result');
    const result = [
      ...(entry.resultFindings ?? []),
      ...(entry.findings ?? []).filter((f) => f.where === 'result'),
    ];
    this.addTimeline(at, entry, args, result);
    if (isCall({ status: entry.status, source: entry.source ?? 'server' })) {
      this.everyGrain(at, { ...base, k: 'call', s: entry.status }, { n: 1 });
      if (entry.rule)
        this.everyGrain(
          at,
          { ...base, k: 'rule', s: entry.status, r: `${entry.rule.scope}:${entry.rule.id}` },
          { n: 1 },
        );
      // One document per agent × action for all its detectors (counters per detector inside):
      // a call with five kinds of findings then adds 3 upserts to a group, not 15.
      const detectors = sumByDetector(args);
      if (detectors.size > 0)
        this.everyGrain(at, { ...base, k: 'dlp' }, { n: 1, ...perDetector(detectors, true) });
      const first = new Date(at);
      this.merge({
        key: { ...base, k: 'seen', g: 'all', t: EPOCH },
        inc: { n: 1 },
        min: { first },
      });
      this.merge({
        key: { ...base, x: '', k: 'seen', g: 'all', t: EPOCH },
        inc: { n: 1 },
        min: { first },
      });
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
      this.everyGrain(at, { ...base, k: 'appr', s: entry.status, d: entry.actor ?? '' }, inc, {
        mx: ms,
      });
    }
  }

  /**
   * Result findings recorded with an entry's outcome: their matches, and the entry once more for
   * each detector its arguments did not already have (the timeline counts calls per detector).
   */
  addResult(late: LateResult): void {
    const at = new Date(late.timestamp).getTime();
    const seen = new Set((late.findings ?? []).map((f) => f.detector));
    const inc: Record<string, number> = {};
    for (const [detector, found] of sumByDetector(late.resultFindings)) {
      inc[`f.${detector}`] = found;
      if (!seen.has(detector)) inc[`c.${detector}`] = 1;
    }
    if (Object.keys(inc).length > 0) this.everyGrain(at, TIMELINE_FINDINGS, inc);
  }

  get size(): number {
    return this.byKey.size;
  }

  values(): Increment[] {
    return [...this.byKey.values()];
  }

  /**
   * The Overview timeline's counters, of every entry whatever its source (as the chart always
   * counted): verdicts (the action kept only for BLOCKED, for "top blocked"), and per detector the
   * matches on both sides and the entries it was found in. No agent: the chart sums them all.
   */
  private addTimeline(
    at: number,
    entry: RollupSource,
    args: readonly Finding[],
    result: readonly Finding[],
  ): void {
    if (TIMELINE_STATUSES.has(entry.status))
      this.everyGrain(
        at,
        {
          k: 'tl',
          a: '',
          x: entry.status === 'BLOCKED' ? entry.action : '',
          s: entry.status,
          r: '',
          d: '',
        },
        { n: 1 },
      );
    const detectors = sumByDetector([...args, ...result]);
    if (detectors.size > 0)
      this.everyGrain(at, TIMELINE_FINDINGS, { n: 1, ...perDetector(detectors, true) });
  }

  private everyGrain(
    at: number,
    dims: Omit<RollupKey, 'g' | 't'>,
    inc: Record<string, number>,
    max?: Record<string, number>,
  ) {
    for (const [g, size] of GRAINS)
      this.merge({
        key: { ...dims, g, t: new Date(at - (at % size)) },
        inc,
        ...(max ? { max } : {}),
      });
  }

  private merge(change: Increment): void {
    const k = change.key;
    const id = `${k.k}|${k.g}|${k.t.getTime()}|${k.a}|${k.x}|${k.s}|${k.r}|${k.d}`;
    const current = this.byKey.get(id);
    if (!current) {
      this.byKey.set(id, {
        key: k,
        inc: { ...change.inc },
        ...(change.max ? { max: { ...change.max } } : {}),
        ...(change.min ? { min: { ...change.min } } : {}),
      });
      return;
    }
    for (const [field, by] of Object.entries(change.inc))
      current.inc[field] = (current.inc[field] ?? 0) + by;
    for (const [field, v] of Object.entries(change.max ?? {}))
      current.max = { ...current.max, [field]: Math.max(current.max?.[field] ?? v, v) };
    for (const [field, v] of Object.entries(change.min ?? {})) {
      const old = current.min?.[field];
      current.min = { ...current.min, [field]: old && old < v ? old : v };
    }
  }
}

/** The timeline's findings document of a bucket: every detector's counters in one (kind `tlf`). */
const TIMELINE_FINDINGS = { k: 'tlf', a: '', x: '', s: '', r: '', d: '' } as const;

/**
 * Per-detector counters of one entry: `c.<detector>` the entry (once per detector), `f.<detector>`
 * its matches. Detector names are `[a-z][a-z0-9_]*` (built-in and custom alike), safe as field names.
 */
function perDetector(found: ReadonlyMap<string, number>, counted: boolean): Record<string, number> {
  const inc: Record<string, number> = {};
  for (const [detector, matches] of found) {
    if (counted) inc[`c.${detector}`] = 1;
    inc[`f.${detector}`] = matches;
  }
  return inc;
}

function sumByDetector(findings: readonly Finding[]): Map<string, number> {
  const by = new Map<string, number>();
  for (const f of findings) by.set(f.detector, (by.get(f.detector) ?? 0) + f.count);
  return by;
}
