/* global console */
// Outcome records (sdk.complete): forge one for another agent's call, for a BLOCKED or PENDING
// call, report one call twice with different results (sequentially and racing, both workers),
// report by a client-chosen call id that another agent also used; then verify.
import { adminKey, client, keyOf, raw, result, tag } from './common.mjs';

const admin = client().api;
const t = tag();
const [alice, mallory] = [`oa${t}`, `om${t}`];
await admin.sdk.registerAgent.mutate({ name: alice, allows: ['read'], blocks: ['wire'], reviews: ['pay'] });
await admin.sdk.registerAgent.mutate({ name: mallory, allows: ['read'] });
const aKey = (await keyOf('agent', [alice])).key;
const mKey = (await keyOf('agent', [mallory])).key;
const A = client(aKey).api;
const M = client(mKey).api;
const tryIt = (p) => p.then(() => 'accepted', (e) => `${e?.data?.code ?? e?.code ?? 'error'}: ${e?.message}`);
const entryOf = async (id) => (await admin.audit.list.query({ agent: alice, limit: 100 })).entries.find((e) => e.id === id);

// 1. another agent's allowed call
const d1 = await A.sdk.decide.mutate({ agent: alice, action: 'read', args: { n: 1 } });
const forged = await tryIt(M.sdk.complete.mutate({ callId: d1.callId, outcome: 'error', durationMs: 1, error: 'forged by mallory' }));
result("an agent key can't record an outcome for another agent's call", forged !== 'accepted', forged);
const viaRest = await raw('POST', '/api/sdk/complete', { key: mKey, body: JSON.stringify({ call_id: d1.callId, outcome: 'error', duration_ms: 1 }) });
result("…nor over REST", viaRest.status >= 400 && viaRest.status < 500, `${viaRest.status} ${viaRest.text.slice(0, 120)}`);
const own = await tryIt(A.sdk.complete.mutate({ callId: d1.callId, outcome: 'ok', durationMs: 5 }));
result('the owner still records it afterwards', own === 'accepted', own);

// 2. twice, different results
const again = await tryIt(A.sdk.complete.mutate({ callId: d1.callId, outcome: 'error', durationMs: 9, error: 'changed my mind' }));
result('a second report of the same call is refused', again !== 'accepted', again);
const e1 = await entryOf(d1.auditId);
result('the first outcome stays', e1?.outcome === 'ok' && e1?.durationMs === 5, JSON.stringify({ outcome: e1?.outcome, durationMs: e1?.durationMs }));

// 3. racing reports (two workers): exactly one recorded
const d2 = await A.sdk.decide.mutate({ agent: alice, action: 'read', args: { n: 2 } });
const race = await Promise.all(
  Array.from({ length: 12 }, (_, i) =>
    tryIt(client(aKey).api.sdk.complete.mutate({ callId: d2.callId, outcome: i % 2 ? 'error' : 'ok', durationMs: i, error: i % 2 ? `e${i}` : undefined })),
  ),
);
result('12 racing reports of one call: exactly one recorded', race.filter((r) => r === 'accepted').length === 1, race.map((r) => r.split(':')[0]).join(','));

// 4. BLOCKED and PENDING calls
const blocked = await A.sdk.decide.mutate({ agent: alice, action: 'wire', args: {} });
const rb = await tryIt(A.sdk.complete.mutate({ callId: blocked.callId, outcome: 'ok', durationMs: 1 }));
result('no outcome for a BLOCKED call (it never ran)', rb !== 'accepted', `${blocked.verdict}: ${rb}`);
const pending = await A.sdk.decide.mutate({ agent: alice, action: 'pay', args: { amount: 5 } });
const rp = await tryIt(A.sdk.complete.mutate({ callId: pending.callId, outcome: 'ok', durationMs: 1 }));
result('no outcome for a PENDING call (not approved)', rp !== 'accepted', `${pending.verdict}: ${rp}`);

// 5. the same client-chosen callId used by another agent first: reports land on one's own call only
const shared = `shared-${t}`;
const dm = await M.sdk.decide.mutate({ agent: mallory, action: 'read', args: {}, callId: shared });
const reuse = await tryIt(A.sdk.decide.mutate({ agent: alice, action: 'read', args: {}, callId: shared }));
result("a call id another agent used is refused for a new call (no shared outcome target)", reuse.startsWith('CONFLICT'), `${reuse.slice(0, 110)}; mallory entry ${dm.auditId}`);

// 6. out-of-range and forged fields
for (const [what, body] of [
  ['durationMs -1', { outcome: 'ok', durationMs: -1 }],
  ['durationMs NaN (string)', { outcome: 'ok', durationMs: 'NaN' }],
  ['durationMs 1e308', { outcome: 'ok', durationMs: 1e308 }],
  ['outcome "sealed"', { outcome: 'sealed', durationMs: 1 }],
  ['resultEffect forged', { outcome: 'ok', durationMs: 1, resultEffect: 'ALLOW-ALL' }],
]) {
  const d = await A.sdk.decide.mutate({ agent: alice, action: 'read', args: { what } });
  const r = await tryIt(A.sdk.complete.mutate({ callId: d.callId, ...body }));
  result(`bad outcome input (${what}) refused`, r.startsWith('BAD_REQUEST'), r.slice(0, 100));
}
const v = await admin.audit.verify.query();
result('the log verifies after all this', v.ok, JSON.stringify(v.firstBad));
console.log(`NOTE admin key prefix ${adminKey.slice(0, 8)}…`);
