import { MongoClient } from 'mongodb';
import { withOwnServers, type BenchServer } from '../harness';
import { summarize, timeSequential } from '../stats';
import { fmtMs, type BenchConfig, type Row, type ScenarioResult } from '../types';

const AGENT = 'bench-transport';
const ACTION = 'noop';
const KINDS = ['socket', 'tcp'] as const;
type Kind = (typeof KINDS)[number];

/**
 * 8. What the embedded store's transport costs on the decide path: two fresh servers, identical
 * but for how the server reaches its in-process store — its private Unix socket (the default) or
 * a loopback TCP port (what it used before issue 12) — each answering sequential `sdk.decide`
 * calls (an ALLOW: one audit insert per call). Rounds alternate between the two so that the
 * machine's noise falls on both alike. Plus the store alone: a driver `ping` from this process.
 */
export async function storeTransportScenario(
  _main: BenchServer,
  config: BenchConfig,
): Promise<ScenarioResult> {
  return withOwnServers(
    KINDS,
    (kind) => ({ storeTransport: kind }),
    (servers) => measure(servers, config),
  );
}

async function measure(
  servers: Record<Kind, BenchServer>,
  config: BenchConfig,
): Promise<ScenarioResult> {
  const { warmup, rounds, perRound } = config.transport;
  const decide = {} as Record<Kind, () => Promise<unknown>>;
  const ping = {} as Record<Kind, () => Promise<unknown>>;
  const clients: MongoClient[] = [];
  const samples = {
    decide: { socket: [] as number[], tcp: [] as number[] },
    ping: { socket: [] as number[], tcp: [] as number[] },
  };
  const cpuMs = { socket: 0, tcp: 0 };
  try {
    for (const kind of KINDS) {
      const server = servers[kind];
      const handle = (await server.sdk([AGENT])).agent(AGENT, { allows: [ACTION] });
      await handle.register();
      const api = await server.transport([AGENT]);
      decide[kind] = () => api.sdk.decide.mutate({ agent: AGENT, action: ACTION, args: {} });
      const client = await MongoClient.connect(server.storeUri);
      clients.push(client);
      ping[kind] = () => client.db('admin').command({ ping: 1 });
      await timeSequential(decide[kind], { warmup, n: 0 });
      await timeSequential(ping[kind], { warmup, n: 0 });
    }
    for (let round = 0; round < rounds; round++) {
      // Alternate which goes first, so neither always runs right after the other's burst.
      const order = round % 2 === 0 ? KINDS : [...KINDS].reverse();
      for (const kind of order) {
        const c0 = await servers[kind].serverCpuMs();
        samples.decide[kind].push(
          ...(await timeSequential(decide[kind], { warmup: 0, n: perRound })),
        );
        cpuMs[kind] += (await servers[kind].serverCpuMs()) - c0;
        samples.ping[kind].push(...(await timeSequential(ping[kind], { warmup: 0, n: perRound })));
      }
    }
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
  }

  const calls = rounds * perRound;
  const d = { socket: summarize(samples.decide.socket), tcp: summarize(samples.decide.tcp) };
  const p = { socket: summarize(samples.ping.socket), tcp: summarize(samples.ping.tcp) };
  const cpuUs = (kind: Kind) => Math.round((cpuMs[kind] / calls) * 1000);
  const rows: Row[] = [];
  for (const kind of KINDS) {
    rows.push({
      scenario: '8 store transport',
      label: `sdk.decide, server's store on ${kind === 'socket' ? 'its Unix socket (default)' : 'loopback TCP'}`,
      latency: d[kind],
      perSecond: 1000 / d[kind].mean,
      notes: { serverCpuUsPerCall: cpuUs(kind) },
    });
  }
  for (const kind of KINDS) {
    rows.push({
      scenario: '8 store transport',
      label: `store alone: driver ping over ${kind === 'socket' ? 'the socket' : 'TCP'}`,
      latency: p[kind],
    });
  }
  const change = (d.socket.p50 - d.tcp.p50) / d.tcp.p50;
  rows.push({
    scenario: '8 store transport',
    label: 'socket vs TCP',
    notes: {
      decideP50DeltaUs: Math.round((d.socket.p50 - d.tcp.p50) * 1000),
      decideP50Change: `${(change * 100).toFixed(1)}%`,
      serverCpuUsDelta: cpuUs('socket') - cpuUs('tcp'),
      pingP50DeltaUs: Math.round((p.socket.p50 - p.tcp.p50) * 1000),
    },
  });
  return {
    rows,
    goals: [
      {
        goal: 'the private socket costs the decide path nothing measurable (p50 within 5% of TCP)',
        measured: `${fmtMs(d.socket.p50)} vs ${fmtMs(d.tcp.p50)} (${(change * 100).toFixed(1)}%)`,
        met: change <= 0.05,
      },
    ],
  };
}
