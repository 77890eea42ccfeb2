// Attack: the LangGraph interrupt flow (`review: 'interrupt'`). A paused run is resumed by
// deciding the call again with the same run reference ({threadId, toolCallId}); the server holds
// it to the approval it paused on. Can a resumed run execute other arguments than those approved,
// use the approval twice (in a row, or ten resumes at once), or redeem it from another thread?
import { agentWithPolicy, client, result, tag } from './common.mjs';

const agent = `Graph${tag()}`;
const key = await agentWithPolicy(
  agent,
  `
kind: AgentPolicy
agent: ${agent}
default: ALLOW
rules:
  - { id: wires, actions: [wire], effect: REVIEW }
`,
);
const me = client(key).api;
const admin = client().api;
const decide = (args, run) => me.sdk.decide.mutate({ agent, action: 'wire', args, run }).catch((e) => ({ verdict: `ERR ${e.message}` }));

async function paused(args, run) {
  const d = await decide(args, run);
  await admin.approvals.decide.mutate({ id: d.approvalId, decision: 'APPROVED' });
  return d.approvalId;
}

const A = { to: 'ACME', amount: 100 };
const run1 = { threadId: `t-${tag()}`, toolCallId: 'call_1' };
await paused(A, run1);
const other = await decide({ to: 'EVIL', amount: 100000 }, run1);
result('a resumed run with other arguments is refused', other.verdict !== 'ALLOWED', `${other.verdict}: ${other.reason?.slice(0, 90)}`);
const ok = await decide(A, run1);
result('the approved call runs once on resume', ok.verdict === 'ALLOWED', ok.verdict);
const again = await decide(A, { ...run1 });
result('resuming again does not run it a second time', again.verdict !== 'ALLOWED', `${again.verdict}: ${again.reason?.slice(0, 80)}`);

const run2 = { threadId: `t-${tag()}`, toolCallId: 'call_2' };
const B = { to: 'ACME', amount: 200 };
await paused(B, run2);
const burst = await Promise.all(Array.from({ length: 10 }, () => decide(B, run2)));
const ran = burst.filter((d) => d.verdict === 'ALLOWED').length;
result('ten concurrent resumes of one approved run: one runs', ran === 1, `${ran} ALLOWED`);

const run3 = { threadId: `t-${tag()}`, toolCallId: 'call_3' };
const C = { to: 'ACME', amount: 300 };
await paused(C, run3);
const thief = await decide(C, { threadId: `t-${tag()}`, toolCallId: 'call_x' });
const owner = await decide(C, run3);
const runs = [thief, owner].filter((d) => d.verdict === 'ALLOWED').length;
result('an approval runs one call in all, whichever thread presents it', runs <= 1, `other thread ${thief.verdict}, paused run ${owner.verdict}`);

// markResumed claims a run once (two resumers).
const run4 = { threadId: `t-${tag()}`, toolCallId: 'call_4' };
const id4 = await paused({ to: 'ACME', amount: 400 }, run4);
const claims = await Promise.all(Array.from({ length: 5 }, () => me.sdk.markResumed.mutate({ id: id4 }).then(() => 'ok', (e) => e.message.slice(0, 40))));
result('five resumers racing markResumed: one claims the run', claims.filter((c) => c === 'ok').length === 1, JSON.stringify(claims));
