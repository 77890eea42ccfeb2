import type { AnomalyKind } from '../schemas/analytics';

/** Calls of one agent × action in one hour (UTC hour start in ms). */
export interface HourCount {
  hour: number;
  total: number;
  /** Blocked or killed. */
  blocked: number;
}

export interface SeriesWindow {
  /** Earlier hours with calls (missing hours had none), any order, within the lookback. */
  history: readonly HourCount[];
  /** The hour being judged (it may still be running: counts only grow, so a flag stays true). */
  current: HourCount;
  /** When this agent first called this action; null: never before the current hour. */
  firstSeen: number | null;
  /** When this agent made its first call of any action; null: unknown. */
  agentFirstSeen: number | null;
  /**
   * Calls and blocks over the whole lookback, when `history` holds only the hours the seasonal
   * baseline reads (the same hour of day on earlier days); absent: summed from `history`.
   */
  totals?: { total: number; blocked: number };
}

export interface AnomalyFinding {
  kind: AnomalyKind;
  score: number;
  observed: number;
  expected: number;
  threshold: number;
  historyHours: number;
  summary: string;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** Tuning, exported so the test and the bench can state what they ran with. */
export const ANOMALY_TUNING = {
  lookbackDays: 14,
  /** EWMA weight of the newest same-hour-of-day sample. */
  alpha: 0.3,
  /** Standard deviations above the seasonal baseline for a spike. */
  spikeSigmas: 5,
  /** Calls above the baseline always needed besides (quiet series are noisy in ratio). */
  spikeMinExcess: 3,
  /** An hour of day whose baseline is below this many calls is "off hours" for the series. */
  offHoursMean: 0.1,
  offHoursMinCalls: 3,
  /** Days of history before off-hours means anything. */
  minDays: 5,
  blockRateMinCalls: 8,
  /** Binomial z-score of the hour's block rate against the baseline rate. */
  blockRateSigmas: 4,
  blockRateMinJump: 0.3,
  /** An agent must be this old before a new action of its counts as unusual. */
  firstActionAgentAge: DAY,
};

/**
 * Judges one hour of one agent × action against its baseline: an EWMA of the same hour of day on
 * earlier days (hour-of-day seasonality, so a busy 10:00 is not compared with 03:00), with an
 * EWMA of the squared deviation for its spread. Flags at most one finding per kind. Pure: the
 * server feeds it hourly rollups, the test feeds it generated traffic.
 */
export function detectAnomalies(w: SeriesWindow, tuning = ANOMALY_TUNING): AnomalyFinding[] {
  const { current } = w;
  const found: AnomalyFinding[] = [];
  const since = current.hour - tuning.lookbackDays * DAY;
  const history = w.history.filter((h) => h.hour >= since && h.hour < current.hour);
  const historyHours = Math.round(
    (current.hour - Math.max(since, w.firstSeen ?? current.hour)) / HOUR,
  );
  if (current.total === 0) return found;

  const firstEver = w.firstSeen === null || w.firstSeen >= current.hour;
  if (firstEver) {
    const agentOld =
      w.agentFirstSeen !== null && w.agentFirstSeen <= current.hour - tuning.firstActionAgentAge;
    if (agentOld) {
      found.push({
        kind: 'first_action',
        score: 1,
        observed: current.total,
        expected: 0,
        threshold: 0,
        historyHours: 0,
        summary: `first call of this action by an agent active for ${Math.floor((current.hour - (w.agentFirstSeen ?? 0)) / DAY)} days`,
      });
    }
    return found;
  }

  const seasonal = seasonalBaseline(history, current.hour, w.firstSeen ?? since, tuning.alpha);
  const days = seasonal.samples;
  if (days >= tuning.minDays && seasonal.mean < tuning.offHoursMean) {
    if (current.total >= tuning.offHoursMinCalls) {
      found.push({
        kind: 'off_hours',
        score: Math.min(1, 0.5 + current.total / 40),
        observed: current.total,
        expected: round(seasonal.mean),
        threshold: tuning.offHoursMinCalls,
        historyHours,
        summary: `${current.total} calls at ${hourOfDay(current.hour)}:00 UTC, an hour this action is normally idle (${round(seasonal.mean)} expected)`,
      });
    }
  } else if (days >= 2) {
    const sd = Math.sqrt(Math.max(seasonal.variance, seasonal.mean, 1));
    const threshold = seasonal.mean + tuning.spikeSigmas * sd + tuning.spikeMinExcess;
    if (current.total > threshold) {
      found.push({
        kind: 'spike',
        score: Math.min(1, (current.total - seasonal.mean) / (2 * (threshold - seasonal.mean))),
        observed: current.total,
        expected: round(seasonal.mean),
        threshold: round(threshold),
        historyHours,
        summary: `${current.total} calls in the hour against ${round(seasonal.mean)} expected at ${hourOfDay(current.hour)}:00 UTC`,
      });
    }
  }

  const rate = blockRateJump(w.totals ?? sum(history), current, tuning);
  if (rate) found.push({ ...rate, historyHours });
  return found;
}

/** EWMA mean and variance of the calls at this hour of day on each earlier day. */
function seasonalBaseline(
  history: readonly HourCount[],
  hour: number,
  firstSeen: number,
  alpha: number,
) {
  const byHour = new Map(history.map((h) => [h.hour, h.total]));
  let mean = 0;
  let variance = 0;
  let samples = 0;
  // Oldest day first, so the newest days weigh most; days before the series existed are skipped.
  for (let t = hour - ANOMALY_TUNING.lookbackDays * DAY; t < hour; t += DAY) {
    if (t < firstSeen - (firstSeen % DAY)) continue;
    const x = byHour.get(t) ?? 0;
    if (samples === 0) mean = x;
    else {
      const diff = x - mean;
      mean += alpha * diff;
      variance = (1 - alpha) * (variance + alpha * diff * diff);
    }
    samples++;
  }
  return { mean, variance, samples };
}

function sum(history: readonly HourCount[]): { total: number; blocked: number } {
  let total = 0;
  let blocked = 0;
  for (const h of history) {
    total += h.total;
    blocked += h.blocked;
  }
  return { total, blocked };
}

function blockRateJump(
  totals: { total: number; blocked: number },
  current: HourCount,
  tuning: typeof ANOMALY_TUNING,
) {
  if (current.total < tuning.blockRateMinCalls) return null;
  const { total: calls, blocked } = totals;
  if (calls < 20) return null;
  // A little smoothing: a clean history still has some chance of a block.
  const base = (blocked + 1) / (calls + 2);
  const rate = current.blocked / current.total;
  const sd = Math.sqrt((base * (1 - base)) / current.total);
  const threshold = Math.min(
    1,
    Math.max(base + tuning.blockRateSigmas * sd, base + tuning.blockRateMinJump),
  );
  if (rate < threshold) return null;
  return {
    kind: 'block_rate' as const,
    score: Math.min(1, rate - base),
    observed: round(rate),
    expected: round(base),
    threshold: round(threshold),
    summary: `${Math.round(rate * 100)}% of ${current.total} calls blocked in the hour against ${Math.round(base * 100)}% before`,
  };
}

function hourOfDay(t: number): string {
  return String(new Date(t).getUTCHours()).padStart(2, '0');
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
