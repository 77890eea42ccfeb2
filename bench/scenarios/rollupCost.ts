import { withOwnServers, type BenchServer } from '../harness';
import { summarize, timeSequential } from '../stats';
import type { BenchConfig, Row, ScenarioResult } from '../types';
import { dlpArgs } from './dlpScan';

const AGENT = 'bench-rollups';
const ACTION = 'lookup_customer';
const KINDS = ['on', 'off'] as const;
type Kind = (typeof KINDS)[number];
/** Callers in flight at once in the concurrent half (each waits for its answer, then goes again). */
const CONCURRENT = 16;

/**
 * 15. What analytics' rollups cost per audited write (issue 17): two fresh servers, identical but
 * for `AEGIS_ROLLUPS` (on, the default, and off), answering `sdk.decide` ALLOW calls whose 1 KiB
 * arguments carry DLP findings (so each entry adds call, rule and per-detector rows at three
 * grains). Sequential calls, then CONCURRENT callers at once; rounds alternate between the two
 * servers, and each round ends with `settle()` (the rollups written), so a round's rollup work is
 * counted in its own CPU. The difference of server CPU per call is the rollup cost per write;
 * the documents they left say how many entries share one.
 */
export async function rollupCostScenario(
  _main: BenchServer,
  config: BenchConfig,
): Promise<ScenarioResult> {
  return withOwnServers(
    KINDS,
    (kind) => ({ env: { AEGIS_ROLLUPS: kind } }),
    (servers) => measure(servers, config),
  );
}

async function measure(
  servers: Record<Kind, BenchServer>,
  config: BenchConfig,
): Promise<ScenarioResult> {
  const { warmup, rounds, perRound } = config.transport;
  const args = dlpArgs(1024);
  const decide = {} as Record<Kind, () => Promise<unknown>>;
  for (const kind of KINDS) {
    const server = servers[kind];
    await (await server.sdk([AGENT])).agent(AGENT, { allows: [ACTION] }).register();
    const api = await server.transport([AGENT]);
    decide[kind] = () => api.sdk.decide.mutate({ agent: AGENT, action: ACTION, args });
    await timeSequential(decide[kind], { warmup, n: 0 });
    await server.settle();
  }
  const samples = { sequential: { on: [] as number[], off: [] as number[] } };
  const cpuMs = { sequential: { on: 0, off: 0 }, concurrent: { on: 0, off: 0 } };
  const concurrentCalls = { on: 0, off: 0 };
  for (let round = 0; round < rounds; round++) {
    for (const kind of round % 2 === 0 ? KINDS : [...KINDS].reverse()) {
      const server = servers[kind];
      let c0 = await server.serverCpuMs();
      samples.sequential[kind].push(
        ...(await timeSequential(decide[kind], { warmup: 0, n: perRound })),
      );
      await server.settle();
      cpuMs.sequential[kind] += (await server.serverCpuMs()) - c0;

      c0 = await server.serverCpuMs();
      let left = perRound;
      await Promise.all(
        Array.from({ length: CONCURRENT }, async () => {
          while (left-- > 0) await decide[kind]();
        }),
      );
      await server.settle();
      cpuMs.concurrent[kind] += (await server.serverCpuMs()) - c0;
      concurrentCalls[kind] += perRound;
    }
  }

  const calls = rounds * perRound;
  const rows: Row[] = [];
  const cpuUs = (mode: 'sequential' | 'concurrent', kind: Kind) =>
    Math.round(
      (cpuMs[mode][kind] / (mode === 'sequential' ? calls : concurrentCalls[kind])) * 1000,
    );
  for (const kind of KINDS) {
    const latency = summarize(samples.sequential[kind]);
    rows.push({
      scenario: '15 rollup cost',
      label: `sdk.decide, 1 KiB with findings, sequential, rollups ${kind}`,
      latency,
      perSecond: 1000 / latency.mean,
      notes: {
        serverCpuUsPerCall: cpuUs('sequential', kind),
        concurrentServerCpuUsPerCall: cpuUs('concurrent', kind),
      },
    });
  }
  const entries = await servers.on.db.collection('audit_log').countDocuments({ agent: AGENT });
  const documents = await servers.on.db.collection('audit_rollups').countDocuments({ a: AGENT });
  rows.push({
    scenario: '15 rollup cost',
    label: 'rollup cost per write (on − off)',
    notes: {
      sequentialCpuUs: cpuUs('sequential', 'on') - cpuUs('sequential', 'off'),
      concurrentCpuUs: cpuUs('concurrent', 'on') - cpuUs('concurrent', 'off'),
      entries,
      rollupDocuments: documents,
    },
  });
  return { rows, goals: [] };
}
