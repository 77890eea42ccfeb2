/**
 * Server CPU per sequential `sdk.decide` with 1 KiB arguments carrying 5 DLP findings against
 * their clean twin (scenario 9's pair), alternating rounds, each window closed by the store's
 * `fsync` — a quicker loop than `--only 9` for working on what findings cost.
 * `npx tsx bench/dlpFindingsCpu.ts [rounds] [calls per round] [profile dir: one server per kind]`
 */
import { startBenchServer, type BenchServer } from './harness';
import { describePaired, pairedDifference } from './stats';
import { dlpArgs } from './scenarios/dlpScan';
import { cleanTwin } from './scenarios/dlpDecide';

const rounds = Number(process.argv[2] ?? 20);
const perRound = Number(process.argv[3] ?? 200);
const profileDir = process.argv[4];
const AGENT = 'bench-dlp';
const ACTION = 'send_notification';
const big = dlpArgs(1024);
const kinds = { clean: cleanTwin(big), big } as const;
type Kind = keyof typeof kinds;

async function prepare(server: BenchServer) {
  const strict = await server.sdk([AGENT]);
  await strict.agent(AGENT, { allows: [ACTION] }).register();
  const api = await server.transport([AGENT]);
  return (args: Record<string, unknown>) =>
    api.sdk.decide.mutate({ agent: AGENT, action: ACTION, args });
}

// With a profile directory: one server per kind (each profiled), so their profiles can be compared.
const servers: Record<Kind, BenchServer> = profileDir
  ? {
      clean: await startBenchServer({ profileDir: `${profileDir}/clean` }),
      big: await startBenchServer({ profileDir: `${profileDir}/big` }),
    }
  : await startBenchServer().then((s) => ({ clean: s, big: s }));
try {
  const decide = {
    clean: await prepare(servers.clean),
    big: profileDir ? await prepare(servers.big) : undefined,
  };
  const decideOf = (kind: Kind) => (kind === 'big' && decide.big ? decide.big : decide.clean);
  for (let i = 0; i < 2_000; i++)
    await decideOf(i % 2 ? 'big' : 'clean')(kinds[i % 2 ? 'big' : 'clean']);
  if (profileDir)
    for (let i = 0; i < 2_000; i++)
      await decideOf(i % 2 ? 'clean' : 'big')(kinds[i % 2 ? 'clean' : 'big']);
  const perRoundUs: Record<Kind, number[]> = { clean: [], big: [] };
  for (let round = 0; round < rounds; round++) {
    const order: Kind[] = round % 2 ? ['big', 'clean'] : ['clean', 'big'];
    for (const kind of order) {
      const server = servers[kind];
      await server.settle();
      const c0 = await server.serverCpuMs();
      for (let i = 0; i < perRound; i++) await decideOf(kind)(kinds[kind]);
      await server.settle();
      perRoundUs[kind].push((((await server.serverCpuMs()) - c0) / perRound) * 1000);
    }
  }
  const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
  console.log(
    `clean ${mean(perRoundUs.clean)} µs, big ${mean(perRoundUs.big)} µs per decide; findings ${describePaired(pairedDifference(perRoundUs.big, perRoundUs.clean))}`,
  );
} finally {
  await servers.clean.stop();
  if (profileDir) await servers.big.stop();
}
