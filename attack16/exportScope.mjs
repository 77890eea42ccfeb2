// What an agent key (scoped to one agent) and a viewer get out of the exports, the manifests
// and the seed's audit-log read: never another agent's entries, never raw values, never keys.
import { adminKey, agentWithPolicy, client, keyOf, raw, result, tag, CARD, SSN } from './common.mjs';

const t = tag();
const mine = `sa-${t}`;
const other = `sb-${t}`;
const open = (a) => `kind: AgentPolicy\nagent: ${a}\ndefault: ALLOW\nrules: []\n`;
const myKey = await agentWithPolicy(mine, open(mine));
const otherKey = await agentWithPolicy(other, open(other));
await client(otherKey).api.sdk.decide.mutate({ agent: other, action: 'secret_op', args: { card: CARD, ssn: SSN, note: `other-${t}` } });
await client(myKey).api.sdk.decide.mutate({ agent: mine, action: 'my_op', args: { card: CARD } });
const viewer = (await keyOf('viewer')).key;
const paths = [
  `/export/audit?format=json`,
  `/export/audit?format=csv&agent=${other}`,
  `/export/audit?format=json&agents=${other}`,
  `/export/report?format=json`,
  `/export/report?format=json&agents=${other}`,
  `/export/report?format=md&agents=${mine},${other}`,
  `/export/report?format=csv&agents=${other}`,
  `/api/agents/${other}/manifest`,
  `/api/agents/${other}/manifest/export?format=cyclonedx`,
  `/api/sdk/audit-log?agent_name=${other}`,
  `/api/sdk/audit-log`,
  `/api/sdk/policies/${other}`,
  `/api/sdk/agent-status/${other}`,
  `/api/sdk/pending-approvals`,
  `/api/audit?agent=${other}`,
  `/api/keys`,
];
for (const p of paths) {
  const r = await raw('GET', p, { key: myKey, timeoutMs: 30000 });
  const leaks = r.status === 200 && (r.text.includes(`other-${t}`) || r.text.includes('secret_op') || r.text.includes(CARD) || r.text.includes(SSN));
  result(`agent key of ${mine}: GET ${p.replace(t, '…')} → ${r.status}`, !leaks, leaks ? r.text.slice(0, 160) : '');
}
for (const p of paths) {
  const r = await raw('GET', p, { key: viewer, timeoutMs: 30000 });
  const leaks = r.status === 200 && (r.text.includes(CARD) || r.text.includes(SSN) || /aegis_[A-Za-z0-9_-]{20,}/.test(r.text) || r.text.includes(adminKey));
  result(`viewer: GET ${p.replace(t, '…')} → ${r.status}: no raw card/SSN/key`, !leaks, leaks ? r.text.slice(0, 160) : '');
}
// tRPC reads an agent key might try.
const me = client(myKey).api;
for (const [name, fn] of Object.entries({
  'manifests.get other': () => me.manifests?.get.query({ agent: other }),
  'audit.list other': () => me.audit.list.query({ agent: other, limit: 5 }),
  'audit.detail 1': () => me.audit.detail.query({ id: 1 }),
  'approvals.list': () => me.approvals.list.query({}),
  'agents.list': () => me.agents.list.query(),
})) {
  const r = await Promise.resolve()
    .then(fn)
    .then((x) => JSON.stringify(x) ?? 'undefined', (e) => `refused ${e.data?.code ?? e.message.slice(0, 60)}`);
  const leaks = r.includes(`other-${t}`) || r.includes('secret_op');
  result(`agent key: ${name} → ${r.slice(0, 50)}`, !leaks, leaks ? r.slice(0, 160) : '');
}
