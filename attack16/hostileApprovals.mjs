// Hostile keys in the arguments of a call held for review: the approval (stored as a document,
// arguments as an object) must be opened, listed, shown, decided and redeemed for exactly that
// call once — or refused with a 4xx — and never crash a read.
import { agentWithPolicy, client, raw, result, tag } from './common.mjs';

const agent = `ha-${tag()}`;
const key = await agentWithPolicy(
  agent,
  `kind: AgentPolicy\nagent: ${agent}\ndefault: ALLOW\nrules:\n  - id: hold\n    actions: [wire]\n    effect: REVIEW\n    reason: "to {{ args.to }}"\n`,
);
const admin = client().api;
const cases = {
  dollar: '{"$where":"1","to":"a"}',
  dotted: '{"a.b":1,"to":"b"}',
  proto: '{"__proto__":{"isAdmin":true},"to":"c"}',
  ctor: '{"constructor":{"prototype":{"x":1}},"to":"d"}',
  nested$: '{"x":{"$gt":""},"to":"e"}',
  deep$: '{"x":[{"$ne":null,"$$ROOT":1}],"to":"f"}',
  lone: '{"s":"\\ud800","to":"g"}',
  nul: '{"s":"a\\u0000b","to":"h"}',
  bigint: '{"n":123456789012345678901234567890,"to":"i"}',
  oidish: '{"_id":{"$oid":"507f1f77bcf86cd799439011"},"to":"j"}',
  bsontype: '{"x":{"_bsontype":"Long","low":1,"high":0},"to":"k"}',
};
for (const [name, args] of Object.entries(cases)) {
  const body = `{"agent_name":"${agent}","action":"wire","args":${args}}`;
  const first = await raw('POST', '/api/sdk/decide', { key, body });
  let d;
  try {
    d = JSON.parse(first.text);
  } catch {
    d = {};
  }
  if (first.status !== 200) {
    result(`${name}: held call → ${first.status}`, first.status < 500, first.text.slice(0, 160));
    continue;
  }
  const id = d.approval_id;
  const byId = await admin.approvals.byId.query({ id }).then((a) => a, (e) => e);
  const list = await admin.approvals.list.query({ agent }).then(() => 'ok', (e) => e.message);
  result(`${name}: approval #${id} opened, listed and shown`, d.verdict === 'REVIEW' && !(byId instanceof Error) && list === 'ok', byId instanceof Error ? byId.message.slice(0, 160) : `${list}; args ${JSON.stringify(byId.args).slice(0, 100)}`);
  const dec = await admin.approvals.decide.mutate({ id, decision: 'APPROVED' }).then(() => 'ok', (e) => e.message.slice(0, 120));
  const again = await raw('POST', '/api/sdk/decide', { key, body });
  const third = await raw('POST', '/api/sdk/decide', { key, body });
  const v2 = JSON.parse(again.text).verdict;
  const v3 = JSON.parse(third.text).verdict;
  result(`${name}: approved (${dec}), redeemed once (${v2}), then held again (${v3})`, dec === 'ok' && v2 === 'ALLOWED' && v3 === 'REVIEW');
  // The same call with the hostile part dropped must not redeem the approval.
}
const v = await admin.audit.verify.query({}).then((x) => x.ok, (e) => e.message);
result('audit verify passes', v === true, String(v));
result('no prototype pollution visible', ({}).isAdmin === undefined);
