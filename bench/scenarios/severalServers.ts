import { availableParallelism } from 'node:os';
import { isResumeGap } from '@aegis/shared';
import { createTransport, type AegisApi } from '../../sdk/src/index';
import { startCluster } from '../../sdk/test/helpers/cluster';
import type { BenchServer } from '../harness';
import { summarize } from '../stats';
import { fmtMs, type BenchConfig, type Row, type ScenarioResult } from '../types';
import { startWorkers } from '../workerCluster';

const SCENARIO = '11 several servers';
const ACTION = 'noop';
const CALLERS = 64;
const AGENTS = 8;
const fmtRate = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;

/**
 * 11. Several servers on one database. (a) `npm start` and `npm start -- --workers N` as real
 * process trees: 64 independent callers (own client each) loop `sdk.decide`; stored decisions/s
 * and the CPU of the whole tree per decision (workers + the store); every acknowledged decision
 * must be in the chain (`audit.verify` counts it). (b) Two servers on one store process: a
 * kill-switch flipped on B → first call refused on A; a decision sent to A → its entry on B's
 * live feed. Runs its own processes; the bench's main server idles meanwhile.
 */
export async function severalServersScenario(
  _server: BenchServer,
  config: BenchConfig,
): Promise<ScenarioResult> {
  const rows: Row[] = [];
  const levels = [
    ...new Set([...config.servers.workers, Math.min(availableParallelism(), 16)]),
  ].sort((a, b) => a - b);
  for (const workers of levels) rows.push(await throughput(workers, config));
  const best = Math.max(...rows.map((r) => r.perSecond ?? 0));
  const allStored = rows.every((r) => r.notes?.allStored === true);
  const across = await acrossServers(config);
  rows.push(...across.rows);
  return {
    rows,
    goals: [
      {
        goal: '≥ 5,000 stored decisions/s, 64 independent callers (best worker count)',
        measured: fmtRate(best),
        met: best >= 5000,
      },
      {
        goal: 'every acknowledged decision stored, chain verifies (workers)',
        measured: allStored ? 'yes' : 'NO',
        met: allStored,
      },
      {
        goal: 'kill on B refused on A, p99 ≤ 50 ms',
        measured: fmtMs(across.killP99),
        met: across.killP99 <= 50,
      },
    ],
  };
}

async function throughput(workers: number, config: BenchConfig): Promise<Row> {
  const cluster = await startWorkers(workers);
  try {
    const admin = createTransport({
      url: cluster.url,
      apiKey: cluster.adminKey,
      requestTimeoutMs: 600_000,
    });
    const agents = Array.from({ length: AGENTS }, (_, i) => `bench-workers-${i}`);
    const keys: string[] = [];
    for (const agent of agents) {
      keys.push(
        (await admin.keys.create.mutate({ name: `bench:${agent}`, role: 'agent', agents: [agent] }))
          .key,
      );
      await admin.sdk.registerAgent.mutate({ name: agent, allows: [ACTION] });
    }
    const before = (await admin.audit.verify.query()).checked;
    let acknowledged = 0;
    let stop = false;
    const callers = Array.from({ length: CALLERS }, async (_, c) => {
      const agent = agents[c % AGENTS] as string;
      const api: AegisApi = createTransport({
        url: cluster.url,
        apiKey: keys[c % AGENTS],
        requestTimeoutMs: 60_000,
      });
      for (let i = 0; !stop; i++) {
        const d = await api.sdk.decide.mutate({ agent, action: ACTION, args: { caller: c, i } });
        if (d.verdict !== 'ALLOWED') throw new Error(`workers: unexpected verdict ${d.verdict}`);
        acknowledged++;
      }
    });
    let failure: unknown = null;
    const running = callers.map((p) =>
      p.catch((error: unknown) => ((failure ??= error), (stop = true))),
    );
    await new Promise((r) => setTimeout(r, config.servers.warmupMs));
    const [n0, cpu0, t0] = [acknowledged, await cluster.cpuMs(), performance.now()];
    await new Promise((r) => setTimeout(r, config.servers.durationMs));
    const [n1, cpu1, t1] = [acknowledged, await cluster.cpuMs(), performance.now()];
    stop = true;
    await Promise.all(running);
    if (failure)
      throw failure instanceof Error ? failure : new Error('a caller failed', { cause: failure });
    const verified = await admin.audit.verify.query();
    const stored = verified.checked - before;
    const done = n1 - n0;
    const seconds = (t1 - t0) / 1000;
    return {
      scenario: SCENARIO,
      label:
        workers === 1
          ? 'npm start (1 process), 64 independent callers'
          : `npm start -- --workers ${workers}, 64 independent callers`,
      perSecond: done / seconds,
      notes: {
        acknowledged,
        stored,
        allStored: stored === acknowledged && verified.ok,
        serverCpuUsPerDecision: Math.round(((cpu1 - cpu0) / done) * 1000),
        serverCores: Number(((cpu1 - cpu0) / 1000 / seconds).toFixed(2)),
      },
    };
  } finally {
    await cluster.stop();
  }
}

async function acrossServers(config: BenchConfig): Promise<{ rows: Row[]; killP99: number }> {
  const cluster = await startCluster(2);
  try {
    const [a, b] = cluster.servers.map((s) =>
      createTransport({ url: s.url, apiKey: cluster.adminKey, requestTimeoutMs: 60_000 }),
    ) as [AegisApi, AegisApi];
    await a.sdk.registerAgent.mutate({ name: 'bench-across', allows: [ACTION] });

    const kills: number[] = [];
    for (let round = 0; round < config.servers.killRounds; round++) {
      await b.agents.setStatus.mutate({ name: 'bench-across', status: 'PAUSED', reason: 'bench' });
      const t0 = performance.now();
      while (
        (await a.sdk.decide.mutate({ agent: 'bench-across', action: ACTION })).verdict !== 'KILLED'
      ) {
        if (performance.now() - t0 > 10_000) throw new Error('kill on B never refused on A');
      }
      kills.push(performance.now() - t0);
      await b.agents.setStatus.mutate({ name: 'bench-across', status: 'ACTIVE' });
      while (
        (await a.sdk.decide.mutate({ agent: 'bench-across', action: ACTION })).verdict !== 'ALLOWED'
      );
    }

    const arrivals = new Map<string, (at: number) => void>();
    let started: () => void = () => undefined;
    const live = new Promise<void>((resolve) => (started = resolve));
    const sub = b.audit.onEntry.subscribe(
      { agent: 'bench-across' },
      {
        onStarted: () => started(),
        onData: ({ data }) =>
          !isResumeGap(data) && data.callId && arrivals.get(data.callId)?.(performance.now()),
      },
    );
    await live;
    const feed: number[] = [];
    try {
      for (let round = 0; round < config.servers.feedRounds; round++) {
        const callId = `across-${round}-${Math.random().toString(36).slice(2, 10)}`;
        const arrived = new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no entry on B within 10 s')), 10_000);
          arrivals.set(callId, (at) => (clearTimeout(timer), resolve(at)));
        });
        const t0 = performance.now();
        await a.sdk.decide.mutate({ agent: 'bench-across', action: ACTION, callId });
        feed.push((await arrived) - t0);
        arrivals.delete(callId);
      }
    } finally {
      sub.unsubscribe();
    }
    const kill = summarize(kills);
    return {
      killP99: kill.p99,
      rows: [
        {
          scenario: SCENARIO,
          label: 'kill-switch on B → first call refused on A (strict)',
          latency: kill,
        },
        {
          scenario: SCENARIO,
          label: 'decide sent to A → entry on B’s live feed (SSE)',
          latency: summarize(feed),
        },
      ],
    };
  } finally {
    await cluster.close();
  }
}
