/* global fetch */
// Attack: policies as code and governance rules. Hostile YAML (alias bombs, deep nesting, a
// __proto__ key, a huge file) through an admin's apply, and every write path tried with a
// viewer's and an agent's key (tRPC and REST), plus an agent key re-registering itself looser.
import { agentWithPolicy, client, result, tag, URL_ } from './common.mjs';

const admin = client().api;
const agent = `Yaml${tag()}`;
const agentKey = await agentWithPolicy(
  agent,
  `
kind: AgentPolicy
agent: ${agent}
default: REVIEW
rules:
  - { id: no-wires, actions: [wire], effect: BLOCK }
`,
);
const viewerKey = (await admin.keys.create.mutate({ name: `v-${tag()}`, role: 'viewer' })).key;

const timed = async (fn) => {
  const t = Date.now();
  const out = await fn().then(
    (v) => ({ ok: true, v }),
    (e) => ({ ok: false, e: e.message?.slice(0, 100) }),
  );
  return { ...out, ms: Date.now() - t };
};

const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
for (let i = 1; i < 10; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)}]`);
const bomb = `kind: AgentPolicy\nagent: ${agent}\n${laughs.join('\n')}\nrules: []\n`;
const deep = `kind: AgentPolicy\nagent: ${agent}\nrules: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
const huge = `kind: AgentPolicy\nagent: ${agent}\nrules: []\n# ${'x'.repeat(3_000_000)}\n`;
for (const [name, yaml] of Object.entries({ 'alias bomb': bomb, '5000-deep nesting': deep, '3 MB file': huge })) {
  const p = await timed(() => admin.policies.applyRules.mutate({ yaml, message: 'x', dryRun: true }));
  const g = await timed(() => admin.governance.applyRules.mutate({ yaml: yaml.replace('kind: AgentPolicy', 'kind: GovernanceRule'), dryRun: true }));
  const said = (r) => (r.ok ? JSON.stringify(r.v).slice(0, 90) : r.e.replace(/\s+/g, ' ').slice(0, 90));
  const refused = (r) => !r.ok || (Array.isArray(r.v?.problems) && r.v.problems.length > 0);
  result(`${name}: refused quickly (policy ${p.ms} ms, governance ${g.ms} ms)`, refused(p) && refused(g) && p.ms < 3000 && g.ms < 3000, `${said(p)} | ${said(g)}`);
}

// A __proto__ key: does a hidden "default: ALLOW" take effect while the document shows none?
const proto = `kind: AgentPolicy\nagent: ${agent}\n__proto__: { default: ALLOW }\nrules:\n  - { id: no-wires, actions: [wire], effect: BLOCK }\n`;
const applied = await timed(() => admin.policies.applyRules.mutate({ yaml: proto, message: 'proto' }));
const d = await client(agentKey).api.sdk.decide.mutate({ agent, action: 'unknown_tool', args: {} });
result('a __proto__ key does not set the default', d.verdict !== 'ALLOWED', `apply ${applied.ok ? 'accepted' : applied.e}; unknown_tool → ${d.verdict}`);

// Non-admin writes.
const loosen = `kind: AgentPolicy\nagent: ${agent}\ndefault: ALLOW\nrules: []\n`;
for (const [who, key] of Object.entries({ viewer: viewerKey, agent: agentKey })) {
  const api = client(key).api;
  const tries = {
    apply: await timed(() => api.policies.applyRules.mutate({ yaml: loosen, message: 'mine' })),
    rollback: await timed(() => api.policies.rollback.mutate({ agent, version: 1 })),
    governance: await timed(() => api.governance.applyRules.mutate({ yaml: 'kind: GovernanceRule\nid: x\ndescription: x\nseverity: low\nwhen: "false"\n' })),
  };
  const rest = {};
  for (const [path, body] of Object.entries({
    '/api/policy-documents/apply': { yaml: loosen, message: 'mine' },
    '/api/policy-documents/rollback': { agent, version: 1 },
    '/api/governance/rules/apply': { yaml: 'kind: GovernanceRule\nid: x\n' },
  })) {
    rest[path] = (await fetch(`${URL_}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;
  }
  const wrote = Object.values(tries).some((t) => t.ok) || Object.values(rest).some((s) => s < 400);
  result(`a ${who} key cannot write policy or governance rules`, !wrote, `${JSON.stringify(Object.fromEntries(Object.entries(tries).map(([k, v]) => [k, v.ok ? 'OK' : v.e.slice(0, 30)])))} REST ${JSON.stringify(rest)}`);
}

// The agent key re-registers itself with wire allowed and its labels changed.
const reg = await client(agentKey)
  .api.sdk.registerAgent.mutate({ name: agent, allows: ['wire', 'unknown_tool'], labels: { team: 'exempt' } })
  .catch((e) => ({ error: e.message }));
const after = await client(agentKey).api.sdk.decide.mutate({ agent, action: 'wire', args: {} });
result('an agent key re-registering with wire allowed does not loosen its policy', after.verdict === 'BLOCKED', `${after.verdict}; ${reg.notice ?? reg.error ?? ""}`.slice(0, 220));
