import os from 'node:os';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startBenchServer } from './harness';
import { machine, type BenchReport } from './report';
import { approvalsScenario } from './scenarios/approvals';
import { dlpScanScenario } from './scenarios/dlpScan';
import { dlpDecideScenario } from './scenarios/dlpDecide';
import { auditQueriesScenario } from './scenarios/auditQueries';
import { governanceScenario } from './scenarios/governance';
import { killSwitchScenario } from './scenarios/killSwitch';
import { liveFeedScenario } from './scenarios/liveFeed';
import { mcpGatewayScenario } from './scenarios/mcpGateway';
import { storeTransportScenario } from './scenarios/storeTransport';
import { rollupCostScenario } from './scenarios/rollupCost';
import { overheadScenario } from './scenarios/overhead';
import { policyDecideScenario, policyReplayScenario } from './scenarios/policyEngine';
import { throughputScenario } from './scenarios/throughput';
import { severalServersScenario } from './scenarios/severalServers';
import { tracingScenario } from './scenarios/tracing';
import { FULL, QUICK, type Scenario } from './types';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface RunOptions {
  quick?: boolean;
  /** Write a CPU profile of the server process into this directory. */
  profileDir?: string;
  /** Only these scenarios (numbers 1–15); all by default. */
  only?: number[];
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

/** The scenarios in order; audit queries last on the main server, because its bulk insert bypasses the server's writer. */
const SCENARIOS: Array<[number, string, Scenario]> = [
  [1, 'overhead', overheadScenario],
  [2, 'throughput', throughputScenario],
  [3, 'kill-switch', killSwitchScenario],
  [4, 'approval resume', approvalsScenario],
  [5, 'live feed', liveFeedScenario],
  // DLP on the decision path: before the audit queries, whose bulk insert bypasses the writer.
  [9, 'dlp decide', dlpDecideScenario],
  // The policy engine's decisions, local mode and compile: also before the bulk insert.
  [14, 'policy engine', policyDecideScenario],
  [6, 'audit queries', auditQueriesScenario],
  // Evaluates and exports over the entries scenario 6 left; writes nothing to the audit log.
  [13, 'governance and export', governanceScenario],
  // Policy replay over the entries scenario 6 left (reads only).
  [14, 'policy replay', policyReplayScenario],
  // In process, no server: after the audit queries so it never shares the CPU with their inserts.
  [7, 'dlp scan', dlpScanScenario],
  // Starts two servers of its own; runs after the main server's scenarios.
  [8, 'store transport', storeTransportScenario],
  // Two servers of its own too (rollups on and off).
  [15, 'rollup cost', rollupCostScenario],
  // Its own processes (upstream, gateways) on the main server; last, so nothing else shares the CPU.
  [10, 'mcp gateway', mcpGatewayScenario],
  // Process trees of its own (workers; two servers on one store); the main server idles.
  [11, 'several servers', severalServersScenario],
  // Registers a tracer provider in this process for its second half: last of all.
  [12, 'tracing', tracingScenario],
];

/** Runs every scenario against one server process and returns the report (nothing is printed but progress). */
export async function runBench(opts: RunOptions = {}): Promise<BenchReport> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const config = opts.quick ? QUICK : FULL;
  const startedAt = new Date();
  const t0 = performance.now();
  const report: BenchReport = {
    startedAt: startedAt.toISOString(),
    quick: config.quick,
    durationS: 0,
    machine: machine(),
    rows: [],
    goals: [],
    failures: {},
    backgroundErrors: {},
  };

  const server = await startBenchServer({
    profileDir: opts.profileDir,
    dataDir: process.env.AEGIS_BENCH_DATA_DIR || undefined,
  });
  log(`bench: server ${server.url} (data in ${server.dataDir})`);
  try {
    for (const [n, name, scenario] of SCENARIOS) {
      if (opts.only && !opts.only.includes(n)) continue;
      const s0 = performance.now();
      log(`bench: ${n} ${name}…`);
      try {
        const result = await scenario(server, config);
        report.rows.push(...result.rows);
        report.goals.push(...result.goals);
        // Each scenario's numbers as soon as they exist: a long run that stops later keeps them.
        for (const row of result.rows) log(`bench: ${n} row ${JSON.stringify(row)}`);
        for (const goal of result.goals) log(`bench: ${n} goal ${JSON.stringify(goal)}`);
      } catch (error) {
        report.failures[`${n} ${name}`] =
          error instanceof Error ? (error.stack ?? error.message) : String(error);
        log(`bench: ${n} ${name} FAILED: ${String(error)}`);
      }
      log(`bench: ${n} ${name} done in ${((performance.now() - s0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await server.stop();
    for (const [kind, { count }] of server.backgroundErrors) report.backgroundErrors[kind] = count;
  }

  if (!opts.only) report.store = await storeBench(config.quick, log);
  report.durationS = (performance.now() - t0) / 1000;
  report.machine.loadAvg = os.loadavg();
  return report;
}

/**
 * The embedded store's own benchmark (bench/store.ts, owned by the store's engineer), run when it
 * exists: insert rate and the last-50 query with and without its index.
 */
async function storeBench(quick: boolean, log: (line: string) => void): Promise<unknown> {
  const file = path.join(here, 'store.ts');
  if (!existsSync(file)) return undefined;
  log('bench: embedded store benchmark (bench/store.ts)…');
  try {
    const mod = (await import(pathToFileURL(file).href)) as {
      runStoreBench?: (o: { quick: boolean }) => Promise<unknown>;
    };
    return await mod.runStoreBench?.({ quick });
  } catch (error) {
    log(`bench: store benchmark FAILED: ${String(error)}`);
    return { failed: String(error) };
  }
}
