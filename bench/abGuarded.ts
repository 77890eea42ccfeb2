/**
 * Scenario 1's strict guarded call (SDK guard: decide, tool, outcome report) — or, with `seed`
 * as the last argument, the seed protocol's three REST requests (row a) — on two builds at once: this tree's server and another checkout's (`git archive <rev> | tar -x -C /tmp/x`, with a
 * node_modules beside it), both bundled and started by this one process, rounds alternating
 * between them so the machine's noise falls on both. Per round and server: server CPU per
 * guarded call (outcome reports flushed and the server settled inside the round) and the
 * round's p50; then new − old as paired differences.
 * `npx tsx bench/abGuarded.ts <other checkout> [rounds] [calls per round] [guarded|seed]`
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startBenchServer, type BenchServer } from './harness';
import { describePaired, pairedDifference, summarize } from './stats';

const other = process.argv[2];
if (!other) throw new Error('usage: abGuarded.ts <other checkout> [rounds] [calls per round]');
const rounds = Number(process.argv[3] ?? 40);
const perRound = Number(process.argv[4] ?? 100);
const seedProtocol = process.argv[5] === 'seed';
const { startBenchServer: startOld } = (await import(
  pathToFileURL(path.resolve(other, 'bench', 'harness.ts')).href
)) as { startBenchServer: () => Promise<BenchServer> };
const AGENT = 'bench-guarded';
const ACTION = 'lookup_balance';
const servers = { old: await startOld(), new: await startBenchServer() };
type V = keyof typeof servers;
try {
  const run = {} as Record<V, { call: () => Promise<unknown>; flush: () => Promise<void> }>;
  for (const v of ['old', 'new'] as V[]) {
    const strict = await servers[v].sdk([AGENT]);
    const handle = strict.agent(AGENT, { allows: [ACTION] });
    await handle.register();
    const guarded = handle.guard(() => Promise.resolve(undefined), { action: ACTION });
    const call = seedProtocol
      ? seedCall(servers[v].url, await servers[v].agentKey([AGENT]))
      : guarded;
    run[v] = { call: () => call(), flush: () => strict.flush() };
    for (let i = 0; i < 2000; i++) await call();
    await strict.flush();
  }
  const cpu: Record<V, number[]> = { old: [], new: [] };
  const p50: Record<V, number[]> = { old: [], new: [] };
  for (let r = 0; r < rounds; r++) {
    const order: V[] = r % 2 ? ['new', 'old'] : ['old', 'new'];
    for (const v of order) {
      const s = servers[v];
      await s.settle();
      const c0 = await s.serverCpuMs();
      const samples: number[] = [];
      for (let i = 0; i < perRound; i++) {
        const t0 = performance.now();
        await run[v].call();
        samples.push(performance.now() - t0);
      }
      await run[v].flush();
      await s.settle();
      cpu[v].push((((await s.serverCpuMs()) - c0) / perRound) * 1000);
      p50[v].push(summarize(samples).p50 * 1000);
    }
    if ((r + 1) % 10 === 0 || r === rounds - 1) {
      const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
      console.log(
        `after ${r + 1} rounds: server CPU µs/call old ${mean(cpu.old)} new ${mean(cpu.new)}; ` +
          `p50 µs old ${mean(p50.old)} new ${mean(p50.new)}`,
      );
      console.log(`  CPU new-old: ${describePaired(pairedDifference(cpu.new, cpu.old))}`);
      console.log(`  p50 new-old: ${describePaired(pairedDifference(p50.new, p50.old))}`);
    }
  }
} finally {
  await Promise.allSettled([servers.old.stop(), servers.new.stop()]);
}

/** The seed SDK's guarded call: agent status, the action's rule, then the log of what it did. */
function seedCall(url: string, key: string): () => Promise<void> {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const base = `${url}/api/sdk`;
  const json = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${base}${path}`, { headers, ...init });
    if (!res.ok) throw new Error(`seed protocol: ${path} → ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const log = JSON.stringify({ agent_name: AGENT, action: ACTION, status: 'ALLOWED', details: '' });
  return async () => {
    await json(`/agent-status/${AGENT}`);
    await json(`/policy/${AGENT}/${ACTION}`);
    await json('/log', { method: 'POST', body: log });
  };
}
