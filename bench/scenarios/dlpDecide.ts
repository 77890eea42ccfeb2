import type { BenchServer } from '../harness';
import { summarize, yieldToLoop } from '../stats';
import { fmtMs, type BenchConfig, type Row, type ScenarioResult } from '../types';
import { dlpArgs } from './dlpScan';

const AGENT = 'bench-dlp';
const ACTION = 'send_notification';
const TINY = { customer_id: 3 };

/**
 * 9. DLP on the decision path (issue 15). Strict: sequential `sdk.decide` calls with ~20-byte and
 * 1 KiB arguments (the 1 KiB ones hold a card number, a phone, an e-mail, a DOB and an
 * `ssn_last4`), in alternating rounds; the server's CPU per call is read for each. Every decide
 * scans its arguments (findings for the audit entry, the `dlp` facts, the masked preview, one
 * pass), so the difference bounds what DLP costs at 1 KiB — it also holds parsing and validating
 * the larger body. Local: the same 1 KiB call through `guard()` in local mode (decided and
 * screened in-process), p50.
 */
export async function dlpDecideScenario(server: BenchServer, config: BenchConfig): Promise<ScenarioResult> {
  const api = await server.transport([AGENT]);
  const strict = await server.sdk([AGENT]);
  await strict.agent(AGENT, { allows: [ACTION] }).register();
  const big = dlpArgs(1024);
  const { warmup, n } = config.overhead;
  const rounds = 4;
  const perRound = Math.max(50, Math.floor(n / rounds));
  const samples = { tiny: [] as number[], big: [] as number[] };
  const cpuMs = { tiny: 0, big: 0 };
  const decide = (args: Record<string, unknown>) => api.sdk.decide.mutate({ agent: AGENT, action: ACTION, args });
  for (let i = 0; i < warmup; i++) await decide(i % 2 ? TINY : big);
  for (let round = 0; round < rounds * 2; round++) {
    const kind = round % 2 === 0 ? 'tiny' : 'big';
    const args = kind === 'tiny' ? TINY : big;
    const c0 = await server.serverCpuMs();
    for (let i = 0; i < perRound; i++) {
      const t0 = performance.now();
      await decide(args);
      samples[kind].push(performance.now() - t0);
    }
    cpuMs[kind] += (await server.serverCpuMs()) - c0;
  }
  const cpuUs = (kind: 'tiny' | 'big') => Math.round((cpuMs[kind] / samples[kind].length) * 1000);
  const deltaUs = cpuUs('big') - cpuUs('tiny');

  const localAgent = `${AGENT}-local`;
  const local = await server.sdk([localAgent], { mode: 'local' });
  const handle = local.agent(localAgent, { allows: [ACTION] });
  await handle.register();
  const send = handle.guard((_args: Record<string, unknown>) => Promise.resolve(undefined), { action: ACTION });
  const localSamples: number[] = [];
  for (let i = -config.local.warmup; i < config.local.n; i++) {
    if (i % 100 === 0) await yieldToLoop();
    const t0 = performance.now();
    await send(big);
    if (i >= 0) localSamples.push(performance.now() - t0);
  }
  await local.flush();
  const localS = summarize(localSamples);

  const rows: Row[] = [
    {
      scenario: '9 dlp decide',
      label: 'strict sdk.decide, ~20 B arguments',
      latency: summarize(samples.tiny),
      notes: { serverCpuUsPerCall: cpuUs('tiny') },
    },
    {
      scenario: '9 dlp decide',
      label: 'strict sdk.decide, 1 KiB arguments (DLP)',
      latency: summarize(samples.big),
      notes: { serverCpuUsPerCall: cpuUs('big'), serverCpuUsDelta: deltaUs },
    },
    { scenario: '9 dlp decide', label: 'local guard(), 1 KiB arguments (DLP)', latency: localS },
  ];
  return {
    rows,
    goals: [
      { goal: 'strict decide with DLP at 1 KiB: ≤ +50 µs server CPU', measured: `+${deltaUs} µs`, met: deltaUs <= 50 },
      { goal: 'local p50 with DLP at 1 KiB ≤ 25 µs', measured: fmtMs(localS.p50), met: localS.p50 <= 0.025 },
    ],
  };
}
