import { startBenchServer } from './harness';
const dir = process.argv[2]!;
const s = await startBenchServer({ profileDir: dir });
const AGENT = 'ps', ACTION = 'lookup_balance';
try {
  const strict = await s.sdk([AGENT]);
  await strict.agent(AGENT, { allows: [ACTION] }).register();
  const key = await s.agentKey([AGENT]);
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const base = `${s.url}/api/sdk`;
  const call = async () => {
    await (await fetch(`${base}/agent-status/${AGENT}`, { headers })).json();
    await (await fetch(`${base}/policy/${AGENT}/${ACTION}`, { headers })).json();
    await (await fetch(`${base}/log`, { method: 'POST', headers, body: JSON.stringify({ agent_name: AGENT, action: ACTION, status: 'ALLOWED', details: 'Policy check passed' }) })).json();
  };
  const N = Number(process.argv[3] ?? 2500);
  const c0 = await s.serverCpuMs();
  for (let i = 0; i < N; i++) await call();
  await s.settle();
  console.log('server CPU µs/call', Math.round(((await s.serverCpuMs()) - c0) / N * 1000));
} finally { await s.stop(); }
