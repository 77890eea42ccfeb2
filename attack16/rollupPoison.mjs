/* global console, setTimeout */
// An agent key names a result detector `card.x`: the global Overview timeline's counter
// `xf.card` becomes an object, and from then on every other agent's call whose result holds a
// card (in that minute, hour and day) fails to count — with all the other counts of its write.
// A detector named `.` fails the whole write of the group it was merged into.
import { agentWithPolicy, client, result, tag } from './common.mjs';

const admin = client().api;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const bad = `pz-${tag()}`;
const good = `ok-${tag()}`;
const open = `kind: AgentPolicy\nagent: %s\ndefault: ALLOW\nrules: []\n`;
const badKey = await agentWithPolicy(bad, open.replace('%s', bad));
const goodKey = await agentWithPolicy(good, open.replace('%s', good));
const attacker = client(badKey).api;
const victim = client(goodKey, { mode: 'strict' });

async function report(api, agent, detector, action = 'lookup') {
  const d = await api.sdk.decide.mutate({ agent, action, args: {} });
  return api.sdk.complete
    .mutate({ callId: d.callId, outcome: 'ok', durationMs: 3, resultFindings: [{ detector, path: '/x', count: 1, confidence: 0.9 }] })
    .then(() => 'accepted', (e) => `refused ${e.data?.httpStatus}: ${e.message.slice(0, 90)}`);
}
const total = async () => {
  const t = await admin.stats.timeline.query({ hours: 1 });
  return t.buckets.reduce((s, b) => s + b.allowed + b.blocked + b.review + b.killed, 0);
};
for (const detector of ['card.x', 'ssn.y', '.', 'email.', '$x']) {
  const r = await report(attacker, bad, detector);
  result(`a result detector named ${JSON.stringify(detector)} is refused`, r.startsWith('refused 4'), r);
}
await sleep(1500);
const before = await total();
// The victim: 10 calls whose results (reported by the victim's own SDK) hold real cards.
const v = victim.api;
for (let i = 0; i < 10; i++) await report(v, good, 'card');
for (let i = 0; i < 10; i++) await report(v, good, 'ssn');
await sleep(1500);
const after = await total();
result(`another agent's 20 calls with a card or SSN in their results are counted on the Overview timeline`, after - before >= 20, `timeline grew by ${after - before}`);
const r = await admin.analytics.rebuild.mutate().then((x) => JSON.stringify(x).slice(0, 120), (e) => `failed: ${e.message.slice(0, 160)}`);
console.log(`NOTE analytics.rebuild: ${r}`);
await sleep(1500);
const rebuilt = await total();
console.log(`NOTE timeline after rebuild: ${rebuilt} (before the victim's calls: ${before}, after: ${after})`);
