// Temporary: server CPU per seed REST request, by kind; optional profile.
import { startBenchServer } from './harness';
const prof = process.argv[2] === 'prof';
const seconds = Number(process.argv[3] ?? 6);
const server = await startBenchServer(prof ? { profileDir: '/tmp/prof' } : {});
const AGENT = 'seed-agent';
const key = await server.agentKey([AGENT]);
const s = await server.sdk([AGENT]);
await s.agent(AGENT, { allows: ['noop'] }).register();
const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
const base = `${server.url}/api/sdk`;
const get = async (url: string, init?: RequestInit) => { const r = await fetch(url, { headers, ...init }); if (!r.ok) throw new Error(`${r.status} ${await r.text()}`); return r.json(); };
const kinds: Record<string, () => Promise<unknown>> = {
  status: () => get(`${base}/agent-status/${AGENT}`),
  policy: () => get(`${base}/policy/${AGENT}/noop`),
  log: () => get(`${base}/log`, { method: 'POST', body: JSON.stringify({ agent_name: AGENT, action: 'noop', status: 'ALLOWED', details: 'Policy check passed' }) }),
  health: () => fetch(`${server.url}/trpc/health.check`).then((r) => r.text()),
};
const only = process.argv[4]; for (let round = 0; round < 2; round++) for (const [k, f] of Object.entries(kinds).filter(([k]) => !only || k === only)) {
  for (let i = 0; i < 200; i++) await f();
  const c0 = await server.serverCpuMs(); const t0 = performance.now(); let n = 0;
  while (performance.now() - t0 < seconds * 1000) { await f(); n++; }
  const c1 = await server.serverCpuMs();
  if (round === 1) console.log(k, 'cpuUs/req', Math.round(((c1 - c0) * 1000) / n), 'n', n);
}
await server.stop();
