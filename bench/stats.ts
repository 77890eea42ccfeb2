/** Latency samples in milliseconds → the summary every scenario reports. */
export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

export function summarize(samplesMs: number[]): Summary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: sorted.length ? sum / sorted.length : NaN,
    max: sorted.at(-1) ?? NaN,
  };
}

/**
 * Runs `fn` sequentially: `warmup` unmeasured calls, then `n` measured ones (or fewer if
 * `maxMs` runs out first, but never fewer than `minN`). Returns the latencies in ms.
 */
export async function timeSequential(
  fn: (i: number) => Promise<unknown>,
  opts: { warmup: number; n: number; maxMs?: number; minN?: number },
): Promise<number[]> {
  for (let i = 0; i < opts.warmup; i++) await fn(-1 - i);
  const samples: number[] = [];
  const deadline = opts.maxMs === undefined ? Infinity : performance.now() + opts.maxMs;
  const minN = opts.minN ?? 3;
  for (let i = 0; i < opts.n; i++) {
    if (samples.length >= minN && performance.now() > deadline) break;
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return samples;
}

/** Resolves after the current macrotask queue has had a turn (lets sockets deliver data). */
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `check` returns true, polling every `everyMs`; throws after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
  everyMs = 1,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** CPU time (user + system, ms) this process has used so far. */
export function clientCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** A paired difference of per-round values: mean ± 2·SE, and the median with its 95 % interval. */
export interface PairedDifference {
  mean: number;
  /** Twice the standard error of the mean. */
  plusMinus: number;
  median: number;
  /** The median's distribution-free 95 % interval (order statistics of the sign test). */
  low: number;
  high: number;
  rounds: number;
}

/**
 * `a[i] − b[i]` over paired rounds. The mean's ±2·SE is what rounds of equal noise give; the
 * median's interval holds when a few rounds take a large extra cost that has nothing to do with
 * either side — a scheduled job of the server (anomaly watch, rollup flush, a major GC) landing
 * in one window adds hundreds of µs per call to that round alone. The interval is
 * [d(k), d(n+1−k)] of the sorted differences with k the largest rank such that a Binomial(n, ½)
 * falls below k with probability ≤ 2.5 % (no assumption about the noise's shape).
 */
export function pairedDifference(a: readonly number[], b: readonly number[]): PairedDifference {
  const d = a.map((x, i) => x - (b[i] ?? NaN)).filter((x) => Number.isFinite(x));
  const n = d.length;
  const mean = n ? d.reduce((s, x) => s + x, 0) / n : NaN;
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1));
  const sorted = [...d].sort((x, y) => x - y);
  const median =
    n === 0 ? NaN : n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  // P(Binomial(n, ½) < k) ≤ 0.025, computed exactly (n is a few hundred at most).
  let k = 0;
  let below = 0;
  const choose = (m: number) => Math.exp(lnFact(n) - lnFact(m) - lnFact(n - m) - n * Math.LN2);
  while (k < n && below + choose(k) <= 0.025) below += choose(k++);
  return {
    mean,
    plusMinus: n ? (2 * sd) / Math.sqrt(n) : NaN,
    median,
    low: k > 0 ? sorted[k - 1]! : -Infinity,
    high: k > 0 ? sorted[n - k]! : Infinity,
    rounds: n,
  };
}

function lnFact(m: number): number {
  let s = 0;
  for (let i = 2; i <= m; i++) s += Math.log(i);
  return s;
}

/** Every order of `items`: rounds cycling through them put each kind after each other as often. */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((first, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [first, ...rest]),
  );
}

export const signed = (n: number) => (n >= 0 ? `+${n}` : `${n}`);

/** "median +5 µs [−12, +21], mean +40 ± 90": a paired difference for a goal's text. */
export function describePaired(d: PairedDifference): string {
  const r = (x: number) => signed(Math.round(x));
  return `median ${r(d.median)} µs [${r(d.low)}, ${r(d.high)}], mean ${r(d.mean)} ± ${Math.round(d.plusMinus)}`;
}
