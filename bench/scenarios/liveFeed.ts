import { isResumeGap } from '@aegis/shared';
import type { BenchServer } from '../harness';
import { summarize } from '../stats';
import { fmtMs, type BenchConfig, type ScenarioResult } from '../types';
import { idleSubscriberGoal, idleSubscriberRows } from './idleSubscribers';

const AGENT = 'bench-feed';
const ACTION = 'noop';

/**
 * 5. The dashboard's live feed: an `audit.onEntry` SSE subscriber (admin client, filtered to the
 * agent) and an agent deciding calls one after another. Measured: from the start of the decide
 * call to the subscriber receiving that call's entry.
 */
export async function liveFeedScenario(
  server: BenchServer,
  config: BenchConfig,
): Promise<ScenarioResult> {
  const api = await server.transport([AGENT]);
  await api.sdk.registerAgent.mutate({ name: AGENT, allows: [ACTION] });

  const arrivals = new Map<string, (at: number) => void>();
  let started: () => void = () => undefined;
  const live = new Promise<void>((resolve) => (started = resolve));
  const sub = server.admin.audit.onEntry.subscribe(
    { agent: AGENT },
    {
      onStarted: () => started(),
      onData: ({ data }) => {
        const at = performance.now();
        if (!isResumeGap(data) && data.callId) arrivals.get(data.callId)?.(at);
      },
    },
  );
  await live;

  const samples: number[] = [];
  try {
    for (let round = -10; round < config.liveFeed.rounds; round++) {
      const callId = `feed-${round + 10}-${Math.random().toString(36).slice(2, 10)}`;
      const arrived = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('live feed: no event within 10 s')),
          10_000,
        );
        arrivals.set(callId, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
      const t0 = performance.now();
      await api.sdk.decide.mutate({ agent: AGENT, action: ACTION, callId });
      const at = await arrived;
      arrivals.delete(callId);
      if (round >= 0) samples.push(at - t0);
    }
  } finally {
    sub.unsubscribe();
  }
  const latency = summarize(samples);
  const idle = await idleSubscriberRows(server, config);
  return {
    rows: [
      { scenario: '5 live feed', label: 'sdk.decide → audit.onEntry SSE event', latency },
      ...idle.rows,
    ],
    goals: [
      { goal: 'live feed p99 ≤ 250 ms', measured: fmtMs(latency.p99), met: latency.p99 <= 250 },
      idleSubscriberGoal(idle.p50s),
    ],
  };
}
