/* global console, process, setTimeout */
// Local-mode record batches (sdk.recordBatch, up to 5 MB each) sent at once: the audit writer
// queues every record of a batch together and commits up to 500 queued entries in one insert.
// Through the driver such an insert is split by the store's 48 MB message limit; straight into
// the in-process store it was not, and a group of big entries failed whole — every caller in it,
// another agent's decisions included, answered 500.
import { agentWithPolicy, client, raw, result, tag } from './common.mjs';

const BATCHES = Number(process.env.BATCHES ?? 12);
const PER = Number(process.env.PER ?? 68);
const t = tag();
const agent = `bb-${t}`;
const victim = `bv-${t}`;
const open = (a) => `kind: AgentPolicy\nagent: ${a}\ndefault: ALLOW\nrules: []\n`;
const key = await agentWithPolicy(agent, open(agent));
const victimKey = await agentWithPolicy(victim, open(victim));
const words = (i) => Array.from({ length: 8000 }, (_, j) => `w${i}x${j}`).join(' ').slice(0, 63_000);
const probe = await client(key).api.sdk.decide.mutate({ agent, action: 'bulk', args: {} });
const policyVersion = probe.policyVersion;
const rule = probe.rule;
const batch = (b) => ({
  entries: Array.from({ length: PER }, (_, i) => ({
    entryKey: `k${t}b${b}i${i}`,
    agent,
    action: 'bulk',
    status: 'ALLOWED',
    details: 'd'.repeat(3000),
    callId: `c${t}b${b}i${i}`,
    args: { text: words(b * 1000 + i) },
    decidedAt: new Date().toISOString(),
    policyVersion,
    rule,
  })),
});
const victimApi = client(victimKey).api;
const t0 = Date.now();
const [batches, victims] = await Promise.all([
  Promise.all(Array.from({ length: BATCHES }, (_, b) => raw('POST', '/trpc/sdk.recordBatch', { key, body: JSON.stringify(batch(b)), timeoutMs: 120_000 }).then((r) => (r.status === 200 ? 'ok' : `${r.status} ${r.text.slice(0, 160)}`)))),
  Promise.all(Array.from({ length: 40 }, (_, i) => new Promise((r) => setTimeout(r, 50 * i)).then(() => victimApi.sdk.decide.mutate({ agent: victim, action: 'small', args: { i } }).then(() => 'ok', (e) => `${e.data?.httpStatus} ${e.message.slice(0, 120)}`)))),
]);
console.log(`NOTE ${BATCHES} batches of ${PER} in ${Date.now() - t0} ms`);
const tally = (xs) => xs.reduce((m, x) => ((m[x] = (m[x] ?? 0) + 1), m), {});
console.log('NOTE batches:', JSON.stringify(tally(batches)));
console.log('NOTE victim decisions:', JSON.stringify(tally(victims)));
result(`${BATCHES} concurrent record batches of ${PER} big entries are stored (no 5xx)`, batches.every((b) => b === 'ok' || /^4/.test(b)));
result("another agent's decisions meanwhile answer (no 5xx)", victims.every((v) => v === 'ok'));
const v = await client().api.audit.verify.query({}).then((x) => x.ok, (e) => e.message);
result('audit verify passes', v === true, String(v));
