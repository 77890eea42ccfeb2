import type { AegisApi } from '../../sdk/src/index';
import type { BenchServer } from '../harness';
import { clientCpuMs, summarize } from '../stats';
import type { BenchConfig, Row, ScenarioResult } from '../types';

const ACTION = 'noop';
const AGENTS_PER_LEVEL = 8;

/**
 * 2. Stored decisions per second with 1, 8 and 64 callers looping `sdk.decide` back to back.
 * Independent callers each have their own tRPC client (no cross-caller batching); the callers
 * of one level share 8 agents, each agent its own key. A last run puts 64 callers on one shared
 * client (the SDK's transport), as one agent process with 64 tool calls in flight would: tRPC
 * batches them (the SDK splits batches at 20 calls; the server refuses more than 50). Afterwards the audit entries of those agents are counted straight from the
 * database: every acknowledged decision must be stored.
 */
export async function throughputScenario(
  server: BenchServer,
  config: BenchConfig,
): Promise<ScenarioResult> {
  const rows: Row[] = [];
  for (const concurrency of config.throughput.concurrency)
    rows.push(await runLevel(server, config, concurrency, false));
  rows.push(await runLevel(server, config, 64, true));
  const perSecondOf = (label: string) =>
    rows.find((r) => r.label.startsWith(label))?.perSecond ?? NaN;
  const independent = perSecondOf('sdk.decide, 64 independent');
  const shared = perSecondOf('sdk.decide, 64 callers on one');
  const allStored = rows.every((r) => r.notes?.allStored === true);
  const fmt = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;
  return {
    rows,
    goals: [
      {
        goal: '≥ 5,000 stored decisions/s at 64 callers (independent clients)',
        measured: fmt(independent),
        met: independent >= 5000,
      },
      {
        goal: '≥ 5,000 stored decisions/s at 64 callers (one shared client)',
        measured: fmt(shared),
        met: shared >= 5000,
      },
      {
        goal: 'every acknowledged decision stored',
        measured: allStored ? 'yes' : 'NO',
        met: allStored,
      },
    ],
  };
}

async function runLevel(
  server: BenchServer,
  config: BenchConfig,
  concurrency: number,
  shared: boolean,
): Promise<Row> {
  const tag = `bench-tp${concurrency}${shared ? 's' : ''}`;
  const agents = Array.from(
    { length: Math.min(concurrency, AGENTS_PER_LEVEL) },
    (_, i) => `${tag}-${i}`,
  );
  for (const agent of agents) {
    const api = await server.transport([agent]);
    await api.sdk.registerAgent.mutate({ name: agent, allows: [ACTION] });
  }
  const sharedApi = shared ? await server.transport(agents) : null;
  const clients: Array<{ agent: string; api: AegisApi }> = [];
  for (let c = 0; c < concurrency; c++) {
    const agent = agents[c % agents.length] as string;
    clients.push({ agent, api: sharedApi ?? (await server.transport([agent])) });
  }

  let acknowledged = 0;
  let measuring = false;
  let stop = false;
  const latencies: number[] = [];
  let failure: unknown = null;
  const caller = async ({ agent, api }: { agent: string; api: AegisApi }, c: number) => {
    for (let i = 0; !stop; i++) {
      const t0 = performance.now();
      const decision = await api.sdk.decide.mutate({
        agent,
        action: ACTION,
        args: { caller: c, i },
      });
      if (decision.verdict !== 'ALLOWED')
        throw new Error(`throughput: unexpected verdict ${decision.verdict}`);
      acknowledged++;
      if (measuring) latencies.push(performance.now() - t0);
    }
  };
  // A failing caller stops the level (and is reported) instead of leaving a rejection unhandled.
  const running = clients.map((client, c) =>
    caller(client, c).catch((error: unknown) => {
      failure ??= error;
      stop = true;
    }),
  );
  await new Promise((r) => setTimeout(r, config.throughput.warmupMs));
  measuring = true;
  const startCount = acknowledged;
  const [s0, c0] = [await server.serverCpuMs(), clientCpuMs()];
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, config.throughput.durationMs));
  const done = acknowledged - startCount;
  const seconds = (performance.now() - t0) / 1000;
  const [s1, c1] = [await server.serverCpuMs(), clientCpuMs()];
  measuring = false;
  stop = true;
  await Promise.all(running);
  if (failure)
    throw failure instanceof Error ? failure : new Error('a caller failed', { cause: failure });

  const stored = await server.db.collection('audit_log').countDocuments({ agent: { $in: agents } });
  return {
    scenario: '2 throughput',
    label: shared
      ? `sdk.decide, 64 callers on one shared client (batched)`
      : `sdk.decide, ${concurrency} independent caller${concurrency === 1 ? '' : 's'}`,
    latency: summarize(latencies),
    perSecond: done / seconds,
    notes: {
      acknowledged,
      stored,
      allStored: stored === acknowledged,
      serverCpuUsPerDecision: Math.round(((s1 - s0) / done) * 1000),
      serverCores: Number(((s1 - s0) / 1000 / seconds).toFixed(2)),
      clientCores: Number(((c1 - c0) / 1000 / seconds).toFixed(2)),
    },
  };
}
