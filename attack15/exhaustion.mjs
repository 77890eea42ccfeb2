/* global console, process, setTimeout, fetch, AbortController */
// Resource exhaustion by low-privilege keys (a viewer, an agent key): a log of SEED entries
// (default 30,000, local-mode batches), then searches built to match nothing, deep pages, counts,
// many live streams — each alone and 16 at once — while /api/health is timed. Prints the
// latencies (timing is reported, never asserted) and checks the limits exist.
import { client, keyOf, raw, result, tag, URL_ } from './common.mjs';

const SEED = Number(process.env.SEED ?? 30_000);
const admin = client().api;
const agent = `ex${tag()}`;
await admin.sdk.registerAgent.mutate({ name: agent, allows: ['read'] });
const agentKey = (await keyOf('agent', [agent])).key;
const viewer = (await keyOf('viewer')).key;
const A = client(agentKey).api;
const V = client(viewer).api;

// A local-mode ALLOWED record names the rule that allowed it: take it from one strict decision.
const probe = await A.sdk.decide.mutate({ agent, action: 'read', args: {} });
const probeEntry = (await admin.audit.list.query({ agent, limit: 5 })).entries.find((e) => e.id === probe.auditId);
const rule = probeEntry.rule;
const policyVersion = probe.policyVersion ?? 1;
console.log(`NOTE rule ${JSON.stringify(rule)} version ${policyVersion}`);
const words = ['customer', 'invoice', 'balance', 'transfer', 'refund', 'ledger'];
let seeded = 0;
const t0 = Date.now();
while (seeded < SEED) {
  const n = Math.min(1000, SEED - seeded);
  const entries = Array.from({ length: n }, (_, i) => ({
    entryKey: `${agent}-${seeded + i}`,
    agent,
    action: 'read',
    status: 'ALLOWED',
    details: `read ${words[(seeded + i) % words.length]} record ${seeded + i}`,
    callId: `${agent}-c${seeded + i}`,
    args: { id: seeded + i, note: words[(seeded + i) % 3] },
    decidedAt: new Date().toISOString(),
    policyVersion,
    rule,
    outcome: 'ok',
    durationMs: 1,
  }));
  try {
    await A.sdk.recordBatch.mutate({ entries });
    seeded += n;
  } catch (e) {
    if (e?.data?.code === 'TOO_MANY_REQUESTS') await new Promise((r) => setTimeout(r, 1000));
    else throw e;
  }
}
console.log(`NOTE seeded ${seeded} entries in ${Date.now() - t0} ms`);

async function health() {
  const t = Date.now();
  const r = await raw('GET', '/api/health');
  return { ms: Date.now() - t, status: r.status };
}
/** Runs `attack` `n` times at once while timing the health check every 100 ms. */
async function under(what, n, attack) {
  let done = false;
  const samples = [];
  const poll = (async () => {
    while (!done) {
      samples.push((await health()).ms);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const t = Date.now();
  const answers = await Promise.all(Array.from({ length: n }, () => attack().then((x) => x, (e) => ({ error: e?.data?.code ?? String(e) }))));
  const took = Date.now() - t;
  done = true;
  await poll;
  const worst = Math.max(0, ...samples);
  console.log(`NOTE ${what} ×${n}: ${took} ms; health worst ${worst} ms over ${samples.length} checks; ${JSON.stringify(answers[0]).slice(0, 120)}`);
  return { took, worst, answers };
}

const base = (await health()).ms;
console.log(`NOTE health idle: ${base} ms`);
await under('viewer: search matching nothing (common word + absent word)', 1, () => V.audit.list.query({ search: 'customer zzqqxx', limit: 200 }).then((p) => p.entries.length));
await under('viewer: search matching nothing', 16, () => V.audit.list.query({ search: 'customer zzqqxx', limit: 200 }).then((p) => p.entries.length));
await under('viewer: agent + action filter + search matching nothing', 16, () => V.audit.list.query({ agent, action: 'read', search: 'ledger absentword', limit: 200 }).then((p) => p.entries.length));
await under('viewer: a rule filter no entry has', 16, () => V.audit.list.query({ rule: 'nope', limit: 200 }).then((p) => p.entries.length));
await under('viewer: status ERROR (none) + agent', 16, () => V.audit.list.query({ agent, status: ['ERROR'], limit: 200 }).then((p) => p.entries.length));
await under('viewer: detector card (none)', 16, () => V.audit.list.query({ detector: 'card', limit: 200 }).then((p) => p.entries.length));
await under('viewer: count of a search matching nothing', 16, () => V.audit.count.query({ search: 'customer zzqqxx' }));
await under('viewer: count of everything matching a word', 16, () => V.audit.count.query({ search: 'customer' }));
await under('viewer: a page deep in the log (cursor 10)', 16, () => V.audit.list.query({ cursor: 10, limit: 200 }).then((p) => p.entries.length));
await under('viewer: from/to window with nothing in it', 16, () => V.audit.list.query({ from: '2001-01-01T00:00:00Z', to: '2001-01-02T00:00:00Z', limit: 200 }).then((p) => p.entries.length));
await under('agent: sdk audit-log (REST) limit 10000', 16, () => raw('GET', `/api/sdk/audit-log?agent_name=${agent}&limit=10000`, { key: agentKey }).then((r) => `${r.status} ${r.text.length}`));

const big = await raw('GET', `/api/sdk/audit-log?agent_name=${agent}&limit=1000000`, { key: agentKey });
result('REST audit-log with limit=1000000: refused or capped', big.status === 400 || (big.status === 200 && JSON.parse(big.text).entries.length <= 1000), `${big.status}, ${big.text.length} bytes`);
const page = await V.audit.list.query({ limit: 201 }).then(() => 'accepted', (e) => e?.data?.code);
result('audit.list limit 201 refused', page === 'BAD_REQUEST', page);

// Live streams: a viewer opens 40; at most AEGIS_MAX_STREAMS (16) per server answer 200.
const controllers = [];
const statuses = [];
for (let i = 0; i < 40; i++) {
  const c = new AbortController();
  controllers.push(c);
  const r = await fetch(`${URL_}/trpc/audit.onEntry?input=${encodeURIComponent(JSON.stringify({}))}`, {
    headers: { authorization: `Bearer ${viewer}`, accept: 'text/event-stream' },
    signal: c.signal,
  }).catch((e) => ({ status: String(e) }));
  statuses.push(r.status);
}
const open = statuses.filter((s) => s === 200).length;
console.log(`NOTE streams: ${statuses.join(',')}`);
result('a viewer gets at most 16 live streams per server (2 workers: ≤ 32 of 40)', open <= 32 && statuses.includes(429), `${open} open`);
const h = await health();
result('health answers while the streams are open', h.status === 200, `${h.ms} ms`);
for (const c of controllers) c.abort();

// Another agent's decisions while eight viewers keep asking for an empty window (the store is
// shared by every worker: a walk of the log holds everyone's reads and writes up).
{
  const other = `exo${tag()}`;
  await admin.sdk.registerAgent.mutate({ name: other, allows: ['read'] });
  const O = client((await keyOf('agent', [other])).key).api;
  const decides = async (n) => {
    const ms = [];
    for (let i = 0; i < n; i++) {
      const t = Date.now();
      const ok = await O.sdk.decide.mutate({ agent: other, action: 'read', args: { i } }).then(() => true, () => false);
      ms.push(ok ? Date.now() - t : Infinity);
    }
    ms.sort((a, b) => a - b);
    return { median: ms[n >> 1], max: ms[n - 1], failed: ms.filter((m) => m === Infinity).length };
  };
  const idle = await decides(10);
  let stop = false;
  const attackers = Array.from({ length: 8 }, async () => {
    while (!stop) await V.audit.list.query({ from: '2001-01-01T00:00:00Z', to: '2001-01-02T00:00:00Z', limit: 200 }).catch(() => {});
  });
  await new Promise((r) => setTimeout(r, 500));
  const busy = await decides(10);
  stop = true;
  await Promise.all(attackers);
  console.log(`NOTE decide idle ${JSON.stringify(idle)}; under 8 viewers asking for an empty window ${JSON.stringify(busy)}`);
  result("another agent's decisions are answered while viewers ask for an empty time window (10 s client timeout)", busy.failed === 0, JSON.stringify(busy));
}
