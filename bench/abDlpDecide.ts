/**
 * Scenario 9's pair (5 DLP findings vs the clean twin) on two builds at once: this tree's server
 * and another checkout's (e.g. `git archive main | tar -x -C /tmp/x`, with a node_modules beside
 * it), both bundled and started by this one process, rounds of sequential decides rotating over
 * server × kind so the machine's noise falls on all four. Server CPU per decide, the findings'
 * premium on each, and new − old per kind, as paired differences.
 * `npx tsx bench/abDlpDecide.ts <other checkout> [rounds] [calls per round]`
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startBenchServer, type BenchServer } from './harness';
import { describePaired, pairedDifference } from './stats';
import { dlpArgs } from './scenarios/dlpScan';
import { cleanTwin } from './scenarios/dlpDecide';
const other = process.argv[2];
if (!other) throw new Error('usage: abDlpDecide.ts <other checkout> [rounds] [calls per round]');
const rounds = Number(process.argv[3] ?? 40);
const perRound = Number(process.argv[4] ?? 100);
const { startBenchServer: startOld } = (await import(
  pathToFileURL(path.resolve(other, 'bench', 'harness.ts')).href
)) as { startBenchServer: () => Promise<BenchServer> };
const AGENT = 'bench-dlp',
  ACTION = 'send_notification';
const big = dlpArgs(1024);
const kinds = { clean: cleanTwin(big), big } as const;
type Kind = keyof typeof kinds;
const servers = { old: await startOld(), new: await startBenchServer() };
type V = keyof typeof servers;
try {
  const decide = {} as Record<V, (a: Record<string, unknown>) => Promise<unknown>>;
  for (const v of ['old', 'new'] as V[]) {
    const s = servers[v];
    const strict = await s.sdk([AGENT]);
    await strict.agent(AGENT, { allows: [ACTION] }).register();
    const api = await s.transport([AGENT]);
    decide[v] = (args) => api.sdk.decide.mutate({ agent: AGENT, action: ACTION, args });
    for (let i = 0; i < 1500; i++) await decide[v](i % 2 ? big : kinds.clean);
  }
  const cells = ['old clean', 'old big', 'new clean', 'new big'];
  const per: Record<string, number[]> = Object.fromEntries(cells.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    const order =
      r % 4 === 0
        ? cells
        : r % 4 === 1
          ? [...cells].reverse()
          : r % 4 === 2
            ? [cells[2]!, cells[3]!, cells[0]!, cells[1]!]
            : [cells[1]!, cells[0]!, cells[3]!, cells[2]!];
    for (const cell of order) {
      const [v, k] = cell.split(' ') as [V, Kind];
      const s = servers[v];
      await s.settle();
      const c0 = await s.serverCpuMs();
      for (let i = 0; i < perRound; i++) await decide[v](kinds[k]);
      await s.settle();
      per[cell]!.push((((await s.serverCpuMs()) - c0) / perRound) * 1000);
    }
    if ((r + 1) % 10 === 0 || r === rounds - 1) {
      const mean = (c: string) => Math.round(per[c]!.reduce((a, b) => a + b, 0) / per[c]!.length);
      console.log(`after ${r + 1} rounds: ` + cells.map((c) => `${c} ${mean(c)}`).join(', '));
      console.log(
        `  findings old: ${describePaired(pairedDifference(per['old big']!, per['old clean']!))}`,
      );
      console.log(
        `  findings new: ${describePaired(pairedDifference(per['new big']!, per['new clean']!))}`,
      );
      console.log(
        `  new-old clean: ${describePaired(pairedDifference(per['new clean']!, per['old clean']!))}; big: ${describePaired(pairedDifference(per['new big']!, per['old big']!))}`,
      );
    }
  }
} finally {
  await Promise.allSettled([servers.old.stop(), servers.new.stop()]);
}
