// Attack: an agent key relabelling its agent to step out of a GlobalPolicy rule that selects
// agents by label (`agents: [{ labels: { tier: prod } }]`), over tRPC and the seed's REST path.
// Applies a GlobalPolicy (it replaces the server's global document: run on a server of its own).
import { adminKey, client, raw, result, tag } from './common.mjs';

const admin = client().api;
const L = `Lbl${tag()}`;
const action = `wire_${tag()}`;
await admin.sdk.registerAgent.mutate({ name: L, allows: [action], labels: { tier: 'prod' } });
await admin.policies.applyRules.mutate({
  message: 'attack12',
  yaml: `
kind: GlobalPolicy
rules:
  - id: prod-wires
    agents: [{ labels: { tier: prod } }]
    actions: [${action}]
    effect: BLOCK
`,
});
const { key } = await admin.keys.create.mutate({ name: `k-${L}`, role: 'agent', agents: [L] });
const me = client(key).api;
const r1 = await me.sdk.registerAgent.mutate({ name: L, allows: [action], labels: { tier: 'dev' } }).then((r) => JSON.stringify(r).slice(0, 160), (e) => e.message);
const r2 = await raw('POST', '/api/sdk/register-agent', { key, body: JSON.stringify({ name: L, labels: { tier: 'dev' } }) });
const d = await me.sdk.decide.mutate({ agent: L, action, args: {} });
result("an agent key relabelling the admin's prod agent before its first call: still under the prod rule", d.verdict === 'BLOCKED', `${d.verdict} (${d.reason}); tRPC ${r1}; REST ${r2.status} ${r2.text.slice(0, 160)}`);
// leave no global rule behind for other scripts
await raw('POST', '/trpc/policies.applyRules', { key: adminKey, body: JSON.stringify({ message: 'attack12 cleanup', yaml: 'kind: GlobalPolicy\nrules: []\n' }) });
