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
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000, everyMs = 1): Promise<void> {
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
