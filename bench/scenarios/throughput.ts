import type { AegisApi } from '../../sdk/src/index';
import type { BenchServer } from '../harness';
import { clientCpuMs, summarize } from '../stats';
import type { BenchConfig, Row, ScenarioResult } from '../types';

const ACTION = 'noop';
const AGENTS_PER_LEVEL = 8;

/**
 * 2. Stored decisions per second with 1, 8 and 64 callers. Each caller is an independent tRPC
 * client (its own batch link, so no cross-caller batching) looping `sdk.decide` back to back;
 * the callers of one level share 8 agents, each agent its own key. Afterwards the audit entries
 * of those agents are counted straight from the database: every acknowledged decision must be
 * stored.
 */
export async function throughputScenario(server: BenchServer, config: BenchConfig): Promise<ScenarioResult> {
  const rows: Row[] = [];
  let at64 = NaN;
  let allStored = true;
  for (const concurrency of config.throughput.concurrency) {
    const agents = Array.from({ length: Math.min(concurrency, AGENTS_PER_LEVEL) }, (_, i) => `bench-tp${concurrency}-${i}`);
    const clients: Array<{ agent: string; api: AegisApi }> = [];
    for (const agent of agents) {
      const api = await server.transport([agent]);
      await api.sdk.registerAgent.mutate({ name: agent, allows: [ACTION] });
    }
    for (let c = 0; c < concurrency; c++) {
      const agent = agents[c % agents.length] as string;
      clients.push({ agent, api: await server.transport([agent]) });
    }

    let acknowledged = 0;
    let measuring = false;
    let stop = false;
    const latencies: number[] = [];
    const caller = async ({ agent, api }: { agent: string; api: AegisApi }, c: number) => {
      for (let i = 0; !stop; i++) {
        const t0 = performance.now();
        const decision = await api.sdk.decide.mutate({ agent, action: ACTION, args: { caller: c, i } });
        if (decision.verdict !== 'ALLOWED') throw new Error(`throughput: unexpected verdict ${decision.verdict}`);
        acknowledged++;
        if (measuring) latencies.push(performance.now() - t0);
      }
    };
    const running = clients.map((client, c) => caller(client, c));
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

    const stored = await server.db.collection('audit_log').countDocuments({ agent: { $in: agents } });
    allStored &&= stored === acknowledged;
    const perSecond = done / seconds;
    if (concurrency === 64) at64 = perSecond;
    rows.push({
      scenario: '2 throughput',
      label: `sdk.decide, ${concurrency} concurrent caller${concurrency === 1 ? '' : 's'}`,
      latency: summarize(latencies),
      perSecond,
      notes: {
        acknowledged,
        stored,
        allStored: stored === acknowledged,
        serverCpuUsPerDecision: Math.round(((s1 - s0) / done) * 1000),
        serverCores: Number(((s1 - s0) / 1000 / seconds).toFixed(2)),
        clientCores: Number(((c1 - c0) / 1000 / seconds).toFixed(2)),
      },
    });
  }
  return {
    rows,
    goals: [
      { goal: '≥ 5,000 stored decisions/s at 64 callers', measured: `${Math.round(at64).toLocaleString('en-US')}/s`, met: at64 >= 5000 },
      { goal: 'every acknowledged decision stored', measured: allStored ? 'yes' : 'NO', met: allStored },
    ],
  };
}
