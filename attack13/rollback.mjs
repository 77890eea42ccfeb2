// Attack: policy rollback through the API — by a viewer, a reviewer and the agent's own key
// (tRPC and REST: refused, policy unchanged), by the admin (a new version, its author, and an
// audit entry naming who did it), to a version of another agent or one that doesn't exist.
import { agentWithPolicy, client, keyOf, raw, result, tag } from './common.mjs';

const name = `rb${tag()}`;
const other = `rb${tag()}`;
const doc = (agent, effect) => `kind: AgentPolicy
agent: ${agent}
default: ALLOW
rules:
  - id: wires
    actions: [wire]
    effect: ${effect}
`;
const agentKey = await agentWithPolicy(name, doc(name, 'ALLOW')); // v1: wires allowed
await agentWithPolicy(other, doc(other, 'ALLOW'));
const admin = client().api;
await admin.policies.applyRules.mutate({ yaml: doc(name, 'BLOCK'), message: 'block wires' }); // v2
const history = await admin.policies.history.query({ agent: name });
const versions = (history.versions ?? history).map?.((v) => v.version) ?? [];
const allowed = Math.min(...versions);
const current = async () => (await admin.policies.document.query({ agent: name })).version;
const before = await current();

for (const role of ['viewer', 'reviewer']) {
  const { key } = await keyOf(role);
  const t = await client(key)
    .api.policies.rollback.mutate({ agent: name, version: allowed })
    .then(() => 'done', (e) => `refused: ${e.message}`);
  const r = await raw('POST', '/api/policy-documents/rollback', { key, body: JSON.stringify({ agent: name, version: allowed }) });
  result(`a ${role} can't roll back (tRPC, REST)`, t.startsWith('refused') && r.status === 403 && (await current()) === before, `${t.slice(0, 70)}; REST ${r.status}`);
}
{
  const t = await client(agentKey)
    .api.policies.rollback.mutate({ agent: name, version: allowed })
    .then(() => 'done', (e) => `refused: ${e.message}`);
  const r = await raw('POST', '/api/policy-documents/rollback', { key: agentKey, body: JSON.stringify({ agent: name, version: allowed }) });
  result("the agent's own key can't roll its policy back to the version that allowed wires", t.startsWith('refused') && r.status === 403 && (await current()) === before, `${t.slice(0, 70)}; REST ${r.status}`);
  const d = await client(agentKey).api.sdk.decide.mutate({ agent: name, action: 'wire', args: {} });
  result('wires stay blocked', d.verdict === 'BLOCKED', d.verdict);
}
{
  const bad = await admin.policies.rollback.mutate({ agent: name, version: 999 }).then(() => 'done', (e) => `refused: ${e.message}`);
  result('a version that does not exist: a clear refusal', bad.startsWith('refused') && /no version 999/.test(bad), bad.slice(0, 90));
  const r = await raw('POST', '/api/policy-documents/rollback', { body: JSON.stringify({ agent: name, version: -1 }), key: (await keyOf('admin')).key });
  result('a negative version over REST: 400', r.status === 400, `${r.status} ${r.text.slice(0, 80)}`);
}
{
  const { key: adminKey2 } = await keyOf('admin');
  const done = await client(adminKey2).api.policies.rollback.mutate({ agent: name, version: allowed, message: `back ${'4111 1111 1111 1111'}` });
  const h = JSON.stringify(await admin.policies.history.query({ agent: name }));
  const trail = (await admin.audit.list.query({ agent: name, limit: 50 })).entries.filter((e) => e.action === 'aegis:policy-rollback');
  result(
    "the admin's rollback is a new version with its author, on the audit trail under the key's name, note masked",
    done.version > before && trail.length === 1 && /admin-/.test(trail[0].actor ?? '') && !h.includes('4111 1111') && !JSON.stringify(trail).includes('4111 1111'),
    `v${done.version}; ${JSON.stringify(trail[0] ?? {}).slice(0, 220)}`,
  );
  const d = await client(agentKey).api.sdk.decide.mutate({ agent: name, action: 'wire', args: {} });
  result('the rolled-back policy is the one in force', d.verdict === 'ALLOWED', d.verdict);
}
