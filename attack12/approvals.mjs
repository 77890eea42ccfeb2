/* global setTimeout */
// Attack: one approval used for more than the one call a person approved — by the seed's poll
// (GET /sdk/approval-status, GET /sdk/find-approval) racing itself and sdk.decide, with other
// arguments, another agent, another call id, after expiry, at once from many connections (and
// both workers of a `--workers 2` server); quorum votes raced; a viewer deciding.
import { agentWithPolicy, client, keyOf, raw, result, tag } from './common.mjs';

const admin = client().api;
const counts = (xs, f) => xs.reduce((m, x) => ((m[f(x)] = (m[f(x)] ?? 0) + 1), m), {});
// a fresh connection per request, so concurrent requests spread over both workers
const fresh = { connection: 'close' };

const agent = `Appr${tag()}`;
const key = await agentWithPolicy(
  agent,
  `
kind: AgentPolicy
agent: ${agent}
default: ALLOW
rules:
  - id: one-wire-an-hour
    actions: [wire]
    when: history.count('wire', duration('1h')) >= 1
    effect: BLOCK
  - id: review-wires
    actions: [wire]
    effect: REVIEW
  - id: review-pay
    actions: [pay]
    effect: REVIEW
`,
);
const me = client(key).api;

/** Opens an approval over the seed protocol and approves it. */
async function approved(action, args) {
  const r = await raw('POST', '/api/sdk/approval', {
    key,
    body: JSON.stringify({ agent_name: agent, action, args_json: JSON.stringify(args) }),
  });
  const id = JSON.parse(r.text).approval_id;
  if (typeof id !== 'number') throw new Error(`no approval: ${r.status} ${r.text}`);
  await admin.approvals.decide.mutate({ id, decision: 'APPROVED' });
  return id;
}

// 1. A history rule (at most one wire an hour) and two approved wires, redeemed by the seed's
//    poll at once: sdk.decide takes them one at a time (attack review 10); does the poll?
{
  const a = await approved('wire', { amount: 1 });
  const b = await approved('wire', { amount: 2 });
  const polls = await Promise.all(
    [a, b].map((id) => raw('GET', `/api/sdk/approval-status/${id}`, { key, headers: fresh })),
  );
  const statuses = polls.map((p) => JSON.parse(p.text).status);
  const ran = statuses.filter((s) => s === 'APPROVED').length;
  result(
    'two approved wires polled at once under "one wire an hour": at most one runs',
    ran <= 1,
    JSON.stringify(statuses),
  );
}

// 2. Same with find-approval (the seed's non-blocking read) and sdk.decide racing a poll.
{
  const agent2 = `Appr2${tag()}`;
  const key2 = await agentWithPolicy(
    agent2,
    `
kind: AgentPolicy
agent: ${agent2}
default: ALLOW
rules:
  - id: one-wire-an-hour
    actions: [wire]
    when: history.count('wire', duration('1h')) >= 1
    effect: BLOCK
  - id: review-wires
    actions: [wire]
    effect: REVIEW
`,
  );
  const open = async (args) => {
    const d = await client(key2).api.sdk.decide.mutate({ agent: agent2, action: 'wire', args });
    await admin.approvals.decide.mutate({ id: d.approvalId, decision: 'APPROVED' });
    return d;
  };
  const x = await open({ amount: 1 });
  await open({ amount: 2 });
  const [poll, retry] = await Promise.all([
    raw('GET', `/api/sdk/approval-status/${x.approvalId}`, { key: key2, headers: fresh }),
    client(key2).api.sdk.decide.mutate({ agent: agent2, action: 'wire', args: { amount: 2 } }),
  ]);
  const ran = [JSON.parse(poll.text).status === 'APPROVED', retry.verdict === 'ALLOWED'].filter(Boolean).length;
  result(
    'a poll and sdk.decide redeeming two approved wires at once under "one wire an hour": at most one runs',
    ran <= 1,
    `poll ${JSON.parse(poll.text).status}, decide ${retry.verdict}`,
  );
}

// 3. One approval, 24 redeemers at once over fresh connections (both workers): polls, decides
//    with the same arguments, find-approval.
{
  const id = await approved('pay', { to: 'x', n: 1 });
  const tries = await Promise.all(
    Array.from({ length: 24 }, (_, i) =>
      i % 3 === 0
        ? raw('GET', `/api/sdk/approval-status/${id}`, { key, headers: fresh }).then((r) => JSON.parse(r.text).status)
        : i % 3 === 1
          ? raw('POST', '/api/sdk/decide', {
              key,
              headers: fresh,
              body: JSON.stringify({ agent_name: agent, action: 'pay', args: { to: 'x', n: 1 } }),
            }).then((r) => (JSON.parse(r.text).verdict === 'ALLOWED' ? 'APPROVED' : JSON.parse(r.text).verdict))
          : raw('GET', `/api/sdk/find-approval/${agent}/pay`, { key, headers: fresh }).then(
              (r) => JSON.parse(r.text).approval?.status ?? 'none',
            ),
    ),
  );
  const ran = tries.filter((s) => s === 'APPROVED').length;
  result('one approval, 24 redeemers at once on both workers: exactly one runs', ran === 1, JSON.stringify(counts(tries, (s) => s)));
  const audit = await admin.audit.list.query({ agent, limit: 200 });
  const allowedOn = audit.entries.filter((e) => e.approvalId === id && e.status === 'ALLOWED').length;
  result('…and exactly one ALLOWED entry names it', allowedOn === 1, `${allowedOn} entries`);
}

// 4. Another agent, other arguments, another call id: an approved, unused approval is not theirs.
{
  const id = await approved('pay', { to: 'y', n: 2 });
  const otherAgent = `ApprO${tag()}`;
  const otherKey = await agentWithPolicy(otherAgent, `
kind: AgentPolicy
agent: ${otherAgent}
default: ALLOW
rules:
  - id: review-pay
    actions: [pay]
    effect: REVIEW
`);
  const o = await client(otherKey).api.sdk.decide.mutate({ agent: otherAgent, action: 'pay', args: { to: 'y', n: 2 } });
  result('another agent, same action and arguments: not redeemed', o.verdict === 'REVIEW' && o.approvalId !== id, `${o.verdict} #${o.approvalId}`);
  const pollOther = await raw('GET', `/api/sdk/approval-status/${id}`, { key: otherKey });
  result("another agent's key polling the approval: reads nothing", JSON.parse(pollOther.text).status === null, pollOther.text.slice(0, 120));
  const args = await me.sdk.decide.mutate({ agent, action: 'pay', args: { to: 'y', n: 3 } });
  result('other arguments: not redeemed', args.verdict === 'REVIEW' && args.approvalId !== id, `${args.verdict} #${args.approvalId}`);
  const keyOrder = await me.sdk.decide.mutate({ agent, action: 'pay', args: { n: 2, to: 'y' } });
  result('same arguments, keys in another order: the same call (redeemed once)', keyOrder.verdict === 'ALLOWED' && keyOrder.approvalId === id, `${keyOrder.verdict} #${keyOrder.approvalId}`);
  const again = await me.sdk.decide.mutate({ agent, action: 'pay', args: { to: 'y', n: 2 } });
  result('the same call again with a new call id: not redeemed twice', again.verdict === 'REVIEW' && again.approvalId !== id, `${again.verdict} #${again.approvalId}`);
  const replay = await me.sdk.decide.mutate({ agent, action: 'pay', args: { to: 'y', n: 2 }, callId: keyOrder.callId });
  result('its own call id again (a retry): the same decision, no second approval used', replay.auditId === keyOrder.auditId, `${replay.verdict} audit ${replay.auditId} vs ${keyOrder.auditId}`);
  await me.sdk.complete.mutate({ callId: keyOrder.callId, outcome: 'ok', durationMs: 1 });
  const afterRun = await me.sdk.decide
    .mutate({ agent, action: 'pay', args: { to: 'y', n: 2 }, callId: keyOrder.callId })
    .then((d) => d.verdict, (e) => e.message);
  result('its call id after the outcome: refused (ran already)', /already ran/.test(afterRun), afterRun.slice(0, 100));
}

// 5. After expiry: a wait of 1 s expires the approval (plus the 30 s grace); approving later and
//    redeeming fail.
{
  const d = await me.sdk.decide.mutate({ agent, action: 'pay', args: { to: 'z' }, waitMs: 1000 });
  await new Promise((r) => setTimeout(r, 33_000));
  const late = await admin.approvals.decide.mutate({ id: d.approvalId, decision: 'APPROVED' }).then(
    (a) => a.status,
    (e) => e.message,
  );
  result('approving after expiry: refused', !/^APPROVED$/.test(late), late.slice(0, 100));
  const r = await me.sdk.decide.mutate({ agent, action: 'pay', args: { to: 'z' } });
  result('…and the call is not redeemed', r.verdict === 'REVIEW' && r.approvalId !== d.approvalId, `${r.verdict} #${r.approvalId}`);
}

// 6. Decided twice at once from two connections (approve vs deny, two reviewers, both workers).
{
  const d = await me.sdk.decide.mutate({ agent, action: 'pay', args: { to: 'race' } });
  const r1 = await keyOf('reviewer');
  const r2 = await keyOf('reviewer');
  const answers = await Promise.all([
    raw('POST', `/api/approvals/${d.approvalId}/decide`, { key: r1.key, headers: fresh, body: JSON.stringify({ decision: 'APPROVED' }) }),
    raw('POST', `/api/approvals/${d.approvalId}/decide`, { key: r2.key, headers: fresh, body: JSON.stringify({ decision: 'DENIED' }) }),
    raw('POST', `/api/sdk/decide-approval/${d.approvalId}`, { key: r1.key, headers: fresh, body: JSON.stringify({ decision: 'DENIED' }) }),
  ]);
  const ok = answers.filter((a) => a.status === 200).length;
  const audit = await admin.audit.list.query({ agent, limit: 200 });
  const decisions = audit.entries.filter((e) => e.approvalId === d.approvalId && (e.status === 'APPROVED' || e.status === 'DENIED')).length;
  result('approve and deny at once from three connections: one decision, one entry', ok === 1 && decisions === 1, `${answers.map((a) => a.status)} entries ${decisions}`);
}

// 7. A viewer deciding, every path.
{
  const v = await keyOf('viewer');
  const d = await me.sdk.decide.mutate({ agent, action: 'pay', args: { to: 'viewer' } });
  const tries = await Promise.all([
    raw('POST', `/api/approvals/${d.approvalId}/decide`, { key: v.key, body: JSON.stringify({ decision: 'APPROVED' }) }),
    raw('POST', `/api/sdk/decide-approval/${d.approvalId}`, { key: v.key, body: JSON.stringify({ decision: 'APPROVED' }) }),
    raw('POST', '/trpc/approvals.decide', { key: v.key, body: JSON.stringify({ id: d.approvalId, decision: 'APPROVED' }) }),
  ]);
  const still = JSON.parse((await raw('GET', `/api/sdk/approval-status/${d.approvalId}`, { key: v.key })).text).approval_status;
  result('a viewer deciding (REST ×2, tRPC): refused, still pending', tries.every((t) => t.status === 403) && still === 'PENDING', `${tries.map((t) => t.status)} ${still}`);
}

// 8. Quorum 2: one reviewer voting 8 times at once over both workers (tRPC and both REST paths).
{
  const q = `ApprQ${tag()}`;
  const qKey = await agentWithPolicy(q, `
kind: AgentPolicy
agent: ${q}
default: ALLOW
rules:
  - id: two-people
    actions: [pay]
    effect: REVIEW
    approval:
      quorum: 2
`);
  const d = await client(qKey).api.sdk.decide.mutate({ agent: q, action: 'pay', args: { q: 1 } });
  const rita = await keyOf('reviewer');
  const votes = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      i % 3 === 0
        ? raw('POST', '/trpc/approvals.decide', { key: rita.key, headers: fresh, body: JSON.stringify({ id: d.approvalId, decision: 'APPROVED' }) })
        : i % 3 === 1
          ? raw('POST', `/api/approvals/${d.approvalId}/decide`, { key: rita.key, headers: fresh, body: JSON.stringify({ decision: 'APPROVED' }) })
          : raw('POST', `/api/sdk/decide-approval/${d.approvalId}`, { key: rita.key, headers: fresh, body: JSON.stringify({ decision: 'APPROVED' }) }),
    ),
  );
  const status = JSON.parse((await raw('GET', `/api/sdk/approval-status/${d.approvalId}`, { key: rita.key })).text).approval_status;
  const ran = await client(qKey).api.sdk.decide.mutate({ agent: q, action: 'pay', args: { q: 1 } });
  result('quorum 2, one reviewer voting 8 times at once on both workers: still pending, the call does not run', status === 'PENDING' && ran.verdict === 'REVIEW', `${votes.map((v) => v.status)} → ${status}, decide ${ran.verdict}`);
  const bob = await keyOf('reviewer');
  await Promise.all([
    raw('POST', `/api/approvals/${d.approvalId}/decide`, { key: bob.key, headers: fresh, body: JSON.stringify({ decision: 'APPROVED' }) }),
    raw('POST', `/api/approvals/${d.approvalId}/decide`, { key: bob.key, headers: fresh, body: JSON.stringify({ decision: 'APPROVED' }) }),
  ]);
  const runs = await Promise.all(Array.from({ length: 4 }, () => client(qKey).api.sdk.decide.mutate({ agent: q, action: 'pay', args: { q: 1 } })));
  result('…a second reviewer: approved, and the call runs once', runs.filter((r) => r.verdict === 'ALLOWED').length === 1, runs.map((r) => r.verdict).join(','));
}

// 9. A `__proto__` key (raw JSON: an own key, as an LLM's JSON would carry it) beside approved
//    arguments: another call, not the approved one; and DLP sees a card under it.
{
  const id = await approved('pay', { to: 'p' });
  const sneak = await raw('POST', '/api/sdk/decide', {
    key,
    body: `{"agent_name":"${agent}","action":"pay","args":{"to":"p","__proto__":{"to":"evil"}}}`,
  });
  const s = JSON.parse(sneak.text);
  result('approved {to:p}; a call {to:p, __proto__:{to:evil}} is another call (not redeemed)', s.verdict === 'REVIEW' && s.approval_id !== id, `${s.verdict} #${s.approval_id}`);
  const card = await raw('POST', '/api/sdk/decide', {
    key,
    body: `{"agent_name":"${agent}","action":"read","args":{"__proto__":{"n":"4111 1111 1111 1111"}}}`,
  });
  const entry = (await admin.audit.list.query({ agent, limit: 5 })).entries.find((e) => e.id === JSON.parse(card.text).audit_id);
  result('a card under a __proto__ key: DLP finds it, the record masks it', (entry?.findings ?? []).some((f) => f.detector === 'card') && !entry.argsPreview?.includes('4111 1111 1111 1111'), `${entry?.argsPreview} ${JSON.stringify(entry?.findings?.map((f) => f.detector))}`);
}
