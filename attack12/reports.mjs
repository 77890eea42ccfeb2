/* global setTimeout */
// Attack: an agent key's reports — outcomes of calls (strict mode, sdk.complete) and local-mode
// records (sdk.recordBatch), the seed's POST /sdk/log — forging calls it never made, reporting
// for another agent's call, reporting twice (one after the other and at once over both workers),
// changing what is already recorded; then the hash chains under all of it.
import { randomUUID } from 'node:crypto';
import { agentWithPolicy, client, raw, result, tag } from './common.mjs';

const admin = client().api;
const fresh = { connection: 'close' };
const policy = (name) => `
kind: AgentPolicy
agent: ${name}
default: ALLOW
rules:
  - id: no-wires
    actions: [wire]
    effect: BLOCK
  - id: review-pay
    actions: [pay]
    effect: REVIEW
`;
const A = `RepA${tag()}`;
const B = `RepB${tag()}`;
const keyA = await agentWithPolicy(A, policy(A));
const keyB = await agentWithPolicy(B, policy(B));
const a = client(keyA).api;
const b = client(keyB).api;
const entriesOf = async (agent) => (await admin.audit.list.query({ agent, limit: 200 })).entries;
const err = (p) => p.then(() => 'ok', (e) => e.message);

// Strict mode outcomes.
{
  const bCall = await b.sdk.decide.mutate({ agent: B, action: 'read', args: {} });
  const other = await err(a.sdk.complete.mutate({ callId: bCall.callId, outcome: 'error', durationMs: 1, error: 'forged' }));
  result("A reporting the outcome of B's call: refused", other !== 'ok', other.slice(0, 80));
  const restOther = await raw('POST', '/api/sdk/complete', { key: keyA, body: JSON.stringify({ call_id: bCall.callId, outcome: 'error', duration_ms: 1 }) });
  result("…over REST too", restOther.status === 404 || restOther.status === 403, `${restOther.status} ${restOther.text.slice(0, 80)}`);
  await b.sdk.complete.mutate({ callId: bCall.callId, outcome: 'ok', durationMs: 2 });
  const twice = await err(b.sdk.complete.mutate({ callId: bCall.callId, outcome: 'error', durationMs: 3, error: 'late' }));
  result('B reporting its outcome twice: the second refused', /already recorded/.test(twice), twice.slice(0, 80));
  const e = (await entriesOf(B)).find((x) => x.id === bCall.auditId);
  result('…the entry keeps the first outcome', e?.outcome === 'ok', `outcome ${e?.outcome}`);
  const blocked = await b.sdk.decide.mutate({ agent: B, action: 'wire', args: {} });
  const ranBlocked = await err(b.sdk.complete.mutate({ callId: blocked.callId, outcome: 'ok', durationMs: 1 }));
  result('an outcome for a BLOCKED call (it never ran): refused', ranBlocked !== 'ok', ranBlocked.slice(0, 80));
  const never = await err(b.sdk.complete.mutate({ callId: randomUUID(), outcome: 'ok', durationMs: 1 }));
  result('an outcome for a call never decided: refused', never !== 'ok', never.slice(0, 80));
}

// Six reports of one call at once, ten rounds, over fresh connections and kept-alive ones (both
// workers; the deciding one holds the call in memory and takes the first report without a read).
{
  let extraAccepted = 0;
  let inconsistent = 0;
  const seen = [];
  for (let round = 0; round < 10; round++) {
    const call = await b.sdk.decide.mutate({ agent: B, action: 'read', args: { round } });
    const tries = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        raw('POST', '/api/sdk/complete', {
          key: keyB,
          headers: i % 2 ? {} : fresh,
          body: JSON.stringify({ call_id: call.callId, outcome: i % 2 ? 'ok' : 'error', duration_ms: i, error: `e${i}` }),
        }),
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    const es = await entriesOf(B);
    const entry = es.find((x) => x.id === call.auditId);
    const errors = es.filter((x) => x.callId === call.callId && x.status === 'ERROR').length;
    const accepted = tries.filter((t) => t.status === 200).length;
    if (accepted > 1) extraAccepted++;
    if (entry?.outcome === null || (entry?.outcome === 'error' ? errors !== 1 : errors !== 0)) inconsistent++;
    seen.push(`${accepted}/${entry?.outcome}/${errors}`);
  }
  result('six reports of one call at once (10 rounds): one outcome stored, an ERROR entry exactly when it is an error', inconsistent === 0, `accepted/outcome/ERROR entries: ${seen.join(' ')}`);
  result('[low, described] …and only one report answered 200', extraAccepted === 0, `${extraAccepted} of 10 rounds answered 200 to two reports (one of them not recorded)`);
}

// The seed's /sdk/log: a report is checked against the policy.
{
  const logs = await Promise.all([
    raw('POST', '/api/sdk/log', { key: keyA, body: JSON.stringify({ agent_name: A, action: 'wire', status: 'ALLOWED', details: 'forged' }) }),
    raw('POST', '/api/sdk/log', { key: keyA, body: JSON.stringify({ agent_name: A, action: 'pay', status: 'ALLOWED', details: 'forged' }) }),
    raw('POST', '/api/sdk/log', { key: keyA, body: JSON.stringify({ agent_name: A, action: 'pay', status: 'APPROVED', details: 'forged' }) }),
    raw('POST', '/api/sdk/log', { key: keyA, body: JSON.stringify({ agent_name: B, action: 'read', status: 'BLOCKED', details: 'forged' }) }),
    a.sdk.log.mutate({ agent: A, action: 'wire', status: 'ALLOWED', details: 'forged' }).then(() => ({ status: 200 }), (e) => ({ status: e.data?.httpStatus })),
  ]);
  result(
    'reports of calls never allowed (ALLOWED for a BLOCK and a REVIEW action, APPROVED, for another agent; REST and tRPC): refused',
    logs.every((l) => l.status >= 400 && l.status < 500),
    logs.map((l) => l.status).join(','),
  );
}

// Local mode: records for another agent, outcomes of another agent's records, claims beyond the
// policy, a replay with other content.
{
  const now = new Date().toISOString();
  // what the local engine names as the deciding rule: the same as strict mode's
  const ruleOf = {
    [A]: (await a.sdk.decide.mutate({ agent: A, action: 'read', args: {} })).rule,
    [B]: (await b.sdk.decide.mutate({ agent: B, action: 'read', args: {} })).rule,
  };
  const rec = (agent, over = {}) => ({
    entryKey: `k${randomUUID().replaceAll('-', '')}`,
    agent,
    action: 'read',
    status: 'ALLOWED',
    details: 'local',
    callId: randomUUID(),
    args: {},
    decidedAt: now,
    policyVersion: ruleOf[agent].version,
    rule: ruleOf[agent],
    ...over,
  });
  const forB = await err(a.sdk.recordBatch.mutate({ entries: [rec(B)] }));
  result("A shipping a record for B: refused", forB !== 'ok', forB.slice(0, 80));
  const bRec = rec(B);
  await b.sdk.recordBatch.mutate({ entries: [bRec] });
  const outB = await err(a.sdk.recordBatch.mutate({ outcomes: [{ entryKey: bRec.entryKey, outcome: 'error', durationMs: 1 }] }));
  result("A shipping the outcome of B's record: refused", outB !== 'ok', outB.slice(0, 80));
  const collide = await a.sdk.recordBatch.mutate({ entries: [{ ...rec(A), entryKey: bRec.entryKey }] }).then(
    (r) => JSON.stringify(r),
    (e) => e.message,
  );
  const bEntry = (await entriesOf(B)).find((x) => x.callId === bRec.callId);
  result("A's record under B's entry key: B's entry unchanged", bEntry?.agent === B && bEntry.outcome === null, `answer ${collide.slice(0, 100)}; B's entry ${bEntry?.agent}/${bEntry?.outcome}`);
  const beyond = await err(a.sdk.recordBatch.mutate({ entries: [rec(A, { action: 'wire' })] }));
  result('a local record ALLOWED for a BLOCK action: refused', beyond !== 'ok', beyond.slice(0, 80));
  const review = await err(a.sdk.recordBatch.mutate({ entries: [rec(A, { action: 'pay' })] }));
  result('a local record ALLOWED for a REVIEW action (no approval): refused', review !== 'ok', review.slice(0, 80));
  const mine = rec(A, { outcome: 'ok', durationMs: 5 });
  await a.sdk.recordBatch.mutate({ entries: [mine] });
  await a.sdk.recordBatch.mutate({ entries: [{ ...mine, details: 'changed', outcome: 'error', durationMs: 9, error: 'x' }] });
  await err(a.sdk.recordBatch.mutate({ outcomes: [{ entryKey: mine.entryKey, outcome: 'error', durationMs: 9 }] }));
  const stored = (await entriesOf(A)).find((x) => x.callId === mine.callId);
  result('a record replayed with other details and outcome, then a second outcome: the first stays', stored?.details === 'local' && stored.outcome === 'ok', `${stored?.details}/${stored?.outcome}`);
  // the same outcome shipped at once over both workers
  const late = rec(A);
  await a.sdk.recordBatch.mutate({ entries: [late] });
  const racing = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      raw('POST', '/trpc/sdk.recordBatch', {
        key: keyA,
        headers: fresh,
        body: JSON.stringify({ outcomes: [{ entryKey: late.entryKey, outcome: i % 2 ? 'ok' : 'error', durationMs: i, error: `e${i}` }] }),
      }).then((r) => JSON.parse(r.text).result?.data),
    ),
  );
  const recorded = racing.reduce((n, r) => n + (r?.outcomes ?? 0), 0);
  await new Promise((r) => setTimeout(r, 300));
  const es = await entriesOf(A);
  const lateEntry = es.find((x) => x.callId === late.callId && x.status === 'ALLOWED');
  const lateErrors = es.filter((x) => x.callId === late.callId && x.status === 'ERROR').length;
  result(
    'one local outcome shipped 8 times at once: recorded once, ERROR entry matching it',
    recorded === 1 && (lateEntry?.outcome === 'error' ? lateErrors === 1 : lateErrors === 0),
    `recorded ${recorded}, outcome ${lateEntry?.outcome}, ERROR entries ${lateErrors}`,
  );
}

const v = await admin.audit.verify.query();
result('audit.verify after all of it: ok (entries and outcomes)', v.ok === true, `checked ${v.checked}, firstBad ${JSON.stringify(v.firstBad)}`);
