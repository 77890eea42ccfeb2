/* global setTimeout */
// Attack: two server processes on one store (`--workers 2`): the audit hash chain under
// concurrent writers of every kind, the kill-switch and key revocation as seen by the other
// worker right after the answer, and an in-flight call racing a revocation.
import { randomUUID } from 'node:crypto';
import { agentWithPolicy, client, keyOf, raw, result, tag } from './common.mjs';

const admin = client().api;
const fresh = { connection: 'close' };
const agent = `Wk${tag()}`;
const key = await agentWithPolicy(
  agent,
  `
kind: AgentPolicy
agent: ${agent}
default: ALLOW
rules:
  - id: no-wires
    actions: [wire]
    effect: BLOCK
`,
);
const me = client(key).api;
const body = (o) => JSON.stringify(o);

// 1. The chain under 400 writers at once over fresh connections: decisions (REST and tRPC),
//    outcomes, reports, local batches, a person's kill-switch flips.
{
  const rule = (await me.sdk.decide.mutate({ agent, action: 'read', args: {} })).rule;
  const jobs = [];
  for (let i = 0; i < 400; i++) {
    const k = i % 5;
    if (k === 0)
      jobs.push(raw('POST', '/api/sdk/decide', { key, headers: fresh, body: body({ agent_name: agent, action: i % 2 ? 'read' : 'wire', args: { i } }) }));
    else if (k === 1)
      jobs.push(
        raw('POST', '/trpc/sdk.decide', { key, headers: fresh, body: body({ agent, action: 'read', args: { i } }) }).then(async (r) => {
          const callId = JSON.parse(r.text).result?.data?.callId;
          return callId ? raw('POST', '/trpc/sdk.complete', { key, headers: fresh, body: body({ callId, outcome: 'ok', durationMs: i }) }) : r;
        }),
      );
    else if (k === 2)
      jobs.push(raw('POST', '/api/sdk/log', { key, headers: fresh, body: body({ agent_name: agent, action: 'x', status: 'BLOCKED', details: `r${i}` }) }));
    else if (k === 3)
      jobs.push(
        raw('POST', '/trpc/sdk.recordBatch', {
          key,
          headers: fresh,
          body: body({
            entries: [
              { entryKey: `w${randomUUID().replaceAll('-', '')}`, agent, action: 'read', status: 'ALLOWED', details: 'local', callId: randomUUID(), args: { i }, decidedAt: new Date().toISOString(), policyVersion: rule.version, rule, outcome: 'ok', durationMs: 1 },
            ],
          }),
        }),
      );
    else jobs.push(raw('POST', '/trpc/sdk.log', { key, headers: fresh, body: body({ agent, action: 'y', status: 'ERROR', details: `t${i}` }) }));
  }
  const answers = await Promise.all(jobs);
  const statuses = answers.reduce((m, r) => ((m[r.status] = (m[r.status] ?? 0) + 1), m), {});
  const v = await admin.audit.verify.query();
  result('400 writers of five kinds at once on two workers: all answered, audit.verify ok', v.ok && !statuses[0] && !Object.keys(statuses).some((s) => s >= 500), `${JSON.stringify(statuses)}; verify ok=${v.ok} checked ${v.checked} firstBad ${JSON.stringify(v.firstBad)}`);
  const ids = (await admin.audit.list.query({ limit: 200 })).entries.map((e) => e.id);
  const gaps = ids.slice(1).filter((id, i) => ids[i] - id !== 1).length;
  result('…the newest 200 ids are contiguous (no id taken twice, none skipped)', gaps === 0 && new Set(ids).size === ids.length, `${gaps} gaps`);
}

// 2. Kill-switch on one worker, calls on fresh connections (both workers) right after its answer.
{
  let allowedAfter = 0;
  let rounds = 0;
  for (let round = 0; round < 5; round++) {
    await admin.agents.setStatus.mutate({ name: agent, status: 'ACTIVE' }).catch(() => {});
    await new Promise((r) => setTimeout(r, 200));
    await raw('POST', '/trpc/agents.setStatus', { headers: fresh, key: (await import('./common.mjs')).adminKey, body: body({ name: agent, status: 'PAUSED' }) });
    const after = await Promise.all(
      Array.from({ length: 10 }, () => raw('POST', '/api/sdk/decide', { key, headers: fresh, body: body({ agent_name: agent, action: 'read', args: {} }) })),
    );
    allowedAfter += after.filter((r) => JSON.parse(r.text).verdict === 'ALLOWED').length;
    rounds++;
  }
  result(
    '[low, documented] kill-switch: calls sent after the pause was answered, on both workers, are refused',
    allowedAfter === 0,
    `${allowedAfter} of ${rounds * 10} allowed (the other worker learns the flip from the change stream)`,
  );
  await admin.agents.setStatus.mutate({ name: agent, status: 'ACTIVE' });
}

// 3. Key revocation: a key revoked on one worker, used at once on fresh connections.
{
  let used = 0;
  for (let round = 0; round < 5; round++) {
    const k = await keyOf('agent', [agent]);
    // warm both workers' principal caches
    await Promise.all(Array.from({ length: 6 }, () => raw('POST', '/api/sdk/decide', { key: k.key, headers: fresh, body: body({ agent_name: agent, action: 'read', args: {} }) })));
    await admin.keys.revoke.mutate({ id: k.id });
    const after = await Promise.all(
      Array.from({ length: 10 }, () => raw('POST', '/api/sdk/decide', { key: k.key, headers: fresh, body: body({ agent_name: agent, action: 'read', args: {} }) })),
    );
    used += after.filter((r) => r.status === 200).length;
  }
  result('a revoked key, used on both workers right after the revocation was answered: refused', used === 0, `${used} of 50 answered 200`);
}

// 4. Pausing while a REVIEW call waits: the approval approved afterwards does not let it run.
{
  const ag = `WkR${tag()}`;
  const k = await agentWithPolicy(ag, `
kind: AgentPolicy
agent: ${ag}
default: ALLOW
rules:
  - id: r
    actions: [pay]
    effect: REVIEW
`);
  const d = await client(k).api.sdk.decide.mutate({ agent: ag, action: 'pay', args: { a: 1 } });
  await admin.agents.setStatus.mutate({ name: ag, status: 'PAUSED' });
  await admin.approvals.decide.mutate({ id: d.approvalId, decision: 'APPROVED' });
  const poll = await raw('GET', `/api/sdk/approval-status/${d.approvalId}`, { key: k, headers: fresh });
  const again = await client(k).api.sdk.decide.mutate({ agent: ag, action: 'pay', args: { a: 1 } });
  result('approved while paused: neither the poll nor sdk.decide runs it', JSON.parse(poll.text).status !== 'APPROVED' && again.verdict === 'KILLED', `poll ${JSON.parse(poll.text).status}, decide ${again.verdict}`);
}
