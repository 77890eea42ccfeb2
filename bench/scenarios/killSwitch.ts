import { AegisKilledError, type Aegis } from '../../sdk/src/index';
import type { BenchServer } from '../harness';
import { sleep, summarize, waitUntil, yieldToLoop } from '../stats';
import { fmtMs, type BenchConfig, type Row, type ScenarioResult } from '../types';

const ACTION = 'noop';

/**
 * 3. From the kill-switch toggle (`agents.setStatus` PAUSED, issued by an admin client) to the
 * first call the SDK refuses, while the agent keeps calling back to back. Strict mode learns it
 * from the server on the next decide; local mode from the pushed `agent.status` event.
 */
export async function killSwitchScenario(
  server: BenchServer,
  config: BenchConfig,
): Promise<ScenarioResult> {
  const rows: Row[] = [];
  const p99s: Record<string, number> = {};
  for (const mode of ['strict', 'local'] as const) {
    const agent = `bench-kill-${mode}`;
    const client = await server.sdk([agent], { mode });
    const handle = client.agent(agent, { allows: [ACTION] });
    await handle.register();
    const noop = handle.guard(() => Promise.resolve(undefined), { action: ACTION });
    const samples: number[] = [];
    for (let round = 0; round < config.killSwitch.rounds; round++) {
      samples.push(await oneToggle(server, client, agent, noop, mode));
    }
    await client.flush();
    const latency = summarize(samples);
    p99s[mode] = latency.p99;
    rows.push({
      scenario: '3 kill-switch',
      label: `toggle → first refused call, ${mode}`,
      latency,
    });
  }
  return {
    rows,
    goals: (['strict', 'local'] as const).map((mode) => ({
      goal: `kill-switch p99 ≤ 50 ms (${mode})`,
      measured: fmtMs(p99s[mode] ?? NaN),
      met: (p99s[mode] ?? Infinity) <= 50,
    })),
  };
}

async function oneToggle(
  server: BenchServer,
  _client: Aegis,
  agent: string,
  noop: () => Promise<undefined>,
  mode: 'strict' | 'local',
): Promise<number> {
  // Make sure calls go through before pulling the switch (the previous round revived the agent).
  await waitUntil(async () => (await callOutcome(noop)) === 'ran', `${agent} to run again`);
  let refusedAt = 0;
  let stop = false;
  let failure: unknown = null;
  const loop = (async () => {
    while (!stop) {
      if ((await callOutcome(noop)) === 'refused') {
        refusedAt = performance.now();
        return;
      }
      // A real agent does I/O between tool calls; without a turn of the loop local mode would
      // never read the pushed event. Local calls are paced at ~1 per ms (a very busy agent):
      // back to back they would be ~50,000/s, and shipping those records would itself load the
      // server this measures (see README: local records and outcome reports).
      if (mode === 'local') await sleep(1);
      else await yieldToLoop();
    }
  })().catch((error: unknown) => {
    // Handled here so it cannot go unhandled while the toggle is in flight; rethrown below.
    failure = error;
  });
  const t0 = performance.now();
  await server.admin.agents.setStatus.mutate({ name: agent, status: 'PAUSED' });
  const timeout = setTimeout(() => (stop = true), 10_000);
  await loop;
  clearTimeout(timeout);
  if (failure)
    throw failure instanceof Error
      ? failure
      : new Error('kill-switch: a call failed', { cause: failure });
  if (!refusedAt) throw new Error(`kill-switch: ${agent} was never refused`);
  await server.admin.agents.setStatus.mutate({ name: agent, status: 'ACTIVE' });
  return refusedAt - t0;
}

async function callOutcome(noop: () => Promise<undefined>): Promise<'ran' | 'refused'> {
  try {
    await noop();
    return 'ran';
  } catch (error) {
    if (error instanceof AegisKilledError) return 'refused';
    throw error;
  }
}
