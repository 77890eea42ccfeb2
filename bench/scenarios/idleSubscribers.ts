import { fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchServer } from '../harness';
import { summarize, timeSequential } from '../stats';
import { fmtMs, type BenchConfig, type Row } from '../types';

const AGENT = 'bench-idle-subs';
const ACTION = 'noop';
/** The server's default per-key stream limit (AEGIS_MAX_STREAMS): the bench keeps the default. */
const STREAMS_PER_KEY = 16;
const here = path.dirname(fileURLToPath(import.meta.url));

type FromSubscribers =
  { type: 'started' } | { type: 'delivered'; count: number } | { type: 'error'; message: string };

/**
 * 5b. Writes with many open dashboards: sequential `sdk.decide` calls (each one an audit write
 * fanned out to every `audit.onEntry` subscriber) with no subscribers, then with N subscribers
 * that are connected and reading but otherwise idle, held by another process (N/16 viewer keys —
 * the default stream limit stays on). Same server, same run; the server CPU per decision shows
 * what the fan-out costs.
 */
export async function idleSubscriberRows(
  server: BenchServer,
  config: BenchConfig,
): Promise<{ rows: Row[]; p50s: [number, number] }> {
  const api = await server.transport([AGENT]);
  await api.sdk.registerAgent.mutate({ name: AGENT, allows: [ACTION] });
  const { n, warmup, subscribers } = config.idleSubscribers;

  const measure = async (
    label: string,
    notes: Record<string, number | string | boolean>,
  ): Promise<Row> => {
    const s0 = await server.serverCpuMs();
    const samples = await timeSequential(
      () => api.sdk.decide.mutate({ agent: AGENT, action: ACTION }),
      {
        warmup,
        n,
      },
    );
    const s1 = await server.serverCpuMs();
    const serverCpuUsPerDecision = Math.round(((s1 - s0) / (n + warmup)) * 1000);
    return {
      scenario: '5 live feed',
      label,
      latency: summarize(samples),
      notes: { ...notes, serverCpuUsPerDecision },
    };
  };

  const quiet = await measure('sdk.decide, no live subscribers', { subscribers: 0 });

  const keys: string[] = [];
  for (let k = 0; k < Math.ceil(subscribers / STREAMS_PER_KEY); k++) {
    keys.push(
      (await server.admin.keys.create.mutate({ name: `bench:viewer-${k}`, role: 'viewer' })).key,
    );
  }
  const child = fork(path.join(here, '..', 'subscriberProcess.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = async <T extends FromSubscribers['type']>(type: T) => {
    for (;;) {
      const [message] = (await once(child, 'message')) as [FromSubscribers];
      if (message.type === 'error') throw new Error(`idle subscriber failed: ${message.message}`);
      if (message.type === type) return message as Extract<FromSubscribers, { type: T }>;
    }
  };
  try {
    child.send({ type: 'start', url: server.url, keys, total: subscribers });
    await next('started');
    const busy = await measure(`sdk.decide, ${subscribers} idle audit.onEntry subscribers`, {
      subscribers,
      viewerKeys: keys.length,
    });
    // Give the last events time to arrive before counting what the subscribers received.
    await new Promise((r) => setTimeout(r, 1_000));
    child.send({ type: 'count' });
    const { count } = await next('delivered');
    busy.notes = {
      ...busy.notes,
      eventsDelivered: count,
      eventsExpected: subscribers * (n + warmup),
    };
    return { rows: [quiet, busy], p50s: [quiet.latency!.p50, busy.latency!.p50] };
  } finally {
    child.kill();
  }
}

export const idleSubscriberGoal = (p50s: [number, number]) => ({
  goal: 'writes stay fast with idle subscribers: decide p50 with them ≤ 2× without',
  measured: `${fmtMs(p50s[1])} vs ${fmtMs(p50s[0])}`,
  met: p50s[1] <= 2 * p50s[0],
});
