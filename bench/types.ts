import type { BenchServer } from './harness';
import type { Summary } from './stats';

/** How long each scenario runs; `--quick` shrinks all of it. */
export interface BenchConfig {
  quick: boolean;
  overhead: { warmup: number; n: number };
  local: { warmup: number; n: number };
  throughput: { concurrency: number[]; warmupMs: number; durationMs: number };
  killSwitch: { rounds: number };
  approvals: { rounds: number };
  liveFeed: { rounds: number };
  /** Scenario 5b: sequential decides without and with idle live-feed subscribers. */
  idleSubscribers: { subscribers: number; warmup: number; n: number };
  audit: { entries: number; agents: number; batch: number; warmup: number; samples: number; maxMsPerQuery: number };
  /** Scenario 7: sequential decides on a socket-store and a TCP-store server, alternating rounds. */
  transport: { warmup: number; rounds: number; perRound: number };
  /** Scenario 11: worker counts (one per core is added), and the across-servers rounds. */
  servers: { workers: number[]; warmupMs: number; durationMs: number; killRounds: number; feedRounds: number };
  /** Scenario 13: agents registered for governance, and how many whole evaluations are timed. */
  governance: { agents: number; evaluations: number };
}

export const FULL: BenchConfig = {
  quick: false,
  overhead: { warmup: 500, n: 5_000 },
  local: { warmup: 2_000, n: 50_000 },
  throughput: { concurrency: [1, 8, 64], warmupMs: 1_000, durationMs: 5_000 },
  killSwitch: { rounds: 50 },
  approvals: { rounds: 50 },
  liveFeed: { rounds: 300 },
  idleSubscribers: { subscribers: 500, warmup: 100, n: 1_000 },
  audit: { entries: 1_000_000, agents: 100, batch: 1_000, warmup: 3, samples: 30, maxMsPerQuery: 60_000 },
  transport: { warmup: 500, rounds: 10, perRound: 500 },
  servers: { workers: [1, 2], warmupMs: 1_000, durationMs: 5_000, killRounds: 50, feedRounds: 200 },
  governance: { agents: 1_000, evaluations: 3 },
};

export const QUICK: BenchConfig = {
  quick: true,
  overhead: { warmup: 100, n: 500 },
  local: { warmup: 200, n: 3_000 },
  throughput: { concurrency: [1, 8, 64], warmupMs: 200, durationMs: 1_000 },
  killSwitch: { rounds: 8 },
  approvals: { rounds: 8 },
  liveFeed: { rounds: 40 },
  idleSubscribers: { subscribers: 64, warmup: 20, n: 100 },
  audit: { entries: 20_000, agents: 100, batch: 1_000, warmup: 2, samples: 10, maxMsPerQuery: 5_000 },
  transport: { warmup: 100, rounds: 4, perRound: 100 },
  servers: { workers: [1, 2], warmupMs: 200, durationMs: 1_000, killRounds: 5, feedRounds: 20 },
  governance: { agents: 50, evaluations: 1 },
};

/** One line of the results table. */
export interface Row {
  /** Scenario number and name, e.g. "1 overhead". */
  scenario: string;
  label: string;
  /** Latency in ms, when the row measures latency. */
  latency?: Summary;
  /** Operations per second, when the row measures throughput. */
  perSecond?: number;
  /** Anything else worth keeping (counts, ratios). */
  notes?: Record<string, number | string | boolean>;
}

/** A goal of issue 8, checked against the measured numbers. */
export interface GoalCheck {
  goal: string;
  measured: string;
  met: boolean;
}

export interface ScenarioResult {
  rows: Row[];
  goals: GoalCheck[];
}

export type Scenario = (server: BenchServer, config: BenchConfig) => Promise<ScenarioResult>;

/** Formats milliseconds for the table: µs below 1 ms. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1) return `${(ms * 1000).toFixed(1)} µs`;
  if (ms < 100) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(0)} ms`;
}
