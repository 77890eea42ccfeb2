/**
 * Server CPU per request of the seed SDK's three REST requests (issue 19), on the REST fast path
 * and through Express (the same request with a same-origin `Origin` header, which the fast path
 * leaves to Express), alternating rounds. `npx tsx bench/restProtocolCpu.ts [seconds per round]`
 */
import { startBenchServer } from './harness';

const roundMs = Number(process.argv[2] ?? 2.5) * 1000;
const server = await startBenchServer();
try {
  await server.admin.sdk.registerAgent.mutate({ name: 'BenchBot', allows: ['read'] });
  const key = await server.agentKey(['BenchBot']);
  const kinds = {
    status: { path: '/api/sdk/agent-status/BenchBot', method: 'GET' },
    policy: { path: '/api/sdk/policy/BenchBot/read', method: 'GET' },
    log: { path: '/api/sdk/log', method: 'POST' },
  } as const;
  const body = JSON.stringify({
    agent_name: 'BenchBot',
    action: 'read',
    status: 'ALLOWED',
    details: 'bench',
  });
  async function one(kind: keyof typeof kinds, viaExpress: boolean): Promise<void> {
    const { path, method } = kinds[kind];
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (method === 'POST') headers['content-type'] = 'application/json';
    if (viaExpress) headers.origin = server.url;
    const res = await fetch(server.url + path, {
      method,
      headers,
      body: method === 'POST' ? body : undefined,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${kind}: ${res.status}`);
  }
  async function round(kind: keyof typeof kinds, viaExpress: boolean, ms: number) {
    await server.settle();
    const cpu0 = await server.serverCpuMs();
    const end = Date.now() + ms;
    let n = 0;
    while (Date.now() < end) {
      await one(kind, viaExpress);
      n++;
    }
    await server.settle();
    return { n, cpuMs: (await server.serverCpuMs()) - cpu0 };
  }
  const total: Record<string, { n: number; cpuMs: number }> = {};
  for (const kind of Object.keys(kinds) as Array<keyof typeof kinds>) {
    await round(kind, true, 1000);
    await round(kind, false, 1000);
    for (let r = 0; r < 2; r++) {
      for (const viaExpress of r % 2 === 0 ? [true, false] : [false, true]) {
        const { n, cpuMs } = await round(kind, viaExpress, roundMs);
        const k = `${kind} ${viaExpress ? 'express' : 'fast'}`;
        const t = (total[k] ??= { n: 0, cpuMs: 0 });
        t.n += n;
        t.cpuMs += cpuMs;
      }
    }
  }
  for (const [k, { n, cpuMs }] of Object.entries(total)) {
    console.log(
      `${k.padEnd(16)} ${n} requests, ${((cpuMs * 1000) / n).toFixed(0)} µs server CPU each`,
    );
  }
} finally {
  await server.stop();
}
