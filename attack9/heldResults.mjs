/* global process, console, fetch */
// Attack: an agent key and its own approvals. Can it approve its own call, or release its own
// held result, on any surface (tRPC, the dashboard's REST path, the SDK REST path, a link page)?
// Can a released result's approval be replayed for another call's result?
import { client, result, URL_ } from './common.mjs';

const admin = client().api;
const tag = Date.now().toString(36);
const agent = `HBot${tag}`;
await admin.sdk.registerAgent.mutate({ name: agent, allows: ['read'] });
await admin.policies.applyRules.mutate({
  yaml: `
kind: AgentPolicy
agent: ${agent}
rules:
  - { id: wires, actions: [wire], effect: REVIEW }
  - { id: lookups, actions: [lookup], effect: ALLOW }
  - { id: hold-cards, on: result, actions: [lookup], when: "dlp.found('card')", effect: REVIEW }
`,
});
const key = (await admin.keys.create.mutate({ name: `hk-${tag}`, role: 'agent', agents: [agent] }))
  .key;
const me = client(key).api;
const call = await me.sdk.decide.mutate({ agent, action: 'wire', args: { amount: 1 } });
const held = await me.sdk.result
  .mutate({
    agent,
    action: 'lookup',
    callId: `c-${tag}`,
    findings: [{ detector: 'card', path: '/card', count: 1, confidence: 0.99 }].map((f) => ({
      ...f,
    })),
    preview: '{"card":"****"}',
  })
  .catch((e) => ({ error: e.message }));
console.log('held result answer:', JSON.stringify(held).slice(0, 200));
const ids = [call.approvalId, held.approvalId].filter(Boolean);
const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
for (const id of ids) {
  const tries = {
    trpc: await me.approvals.decide.mutate({ id, decision: 'APPROVED' }).then(
      () => 'DECIDED',
      (e) => e.data?.httpStatus ?? e.message,
    ),
    restDashboard: (
      await fetch(`${URL_}/api/approvals/${id}/decide`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ decision: 'APPROVED' }),
      })
    ).status,
    restSdk: (
      await fetch(`${URL_}/api/sdk/decide-approval/${id}`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ decision: 'APPROVED' }),
      })
    ).status,
  };
  const st = await admin.approvals.byId.query({ id });
  result(
    `agent key cannot decide its own approval #${id} (${st.kind ?? 'call'})`,
    st.status === 'PENDING' && !Object.values(tries).includes('DECIDED'),
    JSON.stringify(tries),
  );
}
// release the held result as a person, then ask again for another call id with the same content
if (held.approvalId) {
  await admin.approvals.decide.mutate({ id: held.approvalId, decision: 'APPROVED' });
  const again = await me.sdk.result.mutate({
    agent,
    action: 'lookup',
    callId: `c2-${tag}`,
    findings: [{ detector: 'card', path: '/card', count: 1, confidence: 0.99 }],
    preview: '{"card":"****"}',
  });
  result(
    "a released result does not release another call's result",
    again.effect === 'REVIEW' && again.approvalId !== held.approvalId,
    `${again.effect} #${again.approvalId}`,
  );
  const same = await me.sdk.result.mutate({
    agent,
    action: 'lookup',
    callId: `c-${tag}`,
    findings: [{ detector: 'card', path: '/card', count: 1, confidence: 0.99 }],
    preview: '{"card":"****"}',
  });
  result(
    'the same call id asking again gets a new hold, not the released one',
    same.approvalId !== held.approvalId,
    `${same.effect} #${same.approvalId}`,
  );
}
process.exit(0);
