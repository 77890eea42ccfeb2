/* global process */
// An agent key scoped to agent A, against every tRPC query/mutation and every REST operation,
// with every agent-naming field set to agent B (and to lists, globs and case variants of it):
// nothing of B's — its marker in arguments, details, approvals, policy, findings — may come back,
// and nothing of B's may change. Also a reviewer against policy and key writes.
import { readFileSync } from 'node:fs';
import { client, keyOf, raw, result, tag } from './common.mjs';

const SCHEMAS = JSON.parse(readFileSync(process.env.SCHEMAS ?? '/tmp/attack11/schemas.json', 'utf8'));
const admin = client().api;
const t = tag();
const A = `scopeA${t}`;
const B = `scopeB${t}`;
const MARK = `zqmark${t}`;
await admin.sdk.registerAgent.mutate({ name: A, allows: ['read'] });
await admin.sdk.registerAgent.mutate({ name: B, allows: ['read'], review: ['pay'] });
await admin.policies.applyRules.mutate({
  message: 'scope',
  yaml: `kind: AgentPolicy\nagent: ${B}\nrules:\n  - id: r${MARK}\n    actions: [read]\n    effect: ALLOW\n  - id: p${MARK}\n    actions: [pay]\n    effect: REVIEW\n    reason: "held ${MARK}"\n`,
});
const bKey = (await keyOf('agent', [B])).key;
const b = client(bKey).api;
const d = await b.sdk.decide.mutate({ agent: B, action: 'read', args: { note: MARK, card: '4111 1111 1111 1111' } });
await b.sdk.complete.mutate({ callId: d.callId, outcome: `done ${MARK}`, durationMs: 1 }).catch(() => {});
const held = await b.sdk.decide.mutate({ agent: B, action: 'pay', args: { note: MARK } });
await b.sdk.log.mutate({ agent: B, action: 'read', status: 'ALLOWED', details: `log ${MARK}` });
const aKey = (await keyOf('agent', [A])).key;
const bStatus = async () => JSON.stringify(await admin.agents.byName.query({ name: B }));
const bBefore = (await bStatus()).replace(/"last\w*":"[^"]*"/g, '');
const bAudit = (await admin.audit.list.query({ agent: B, limit: 200 })).entries.length;

const variants = [B, B.toUpperCase(), `${B} `, 'scopeB*', '*', [B], [A, B]];
const AGENT_FIELDS = new Set(['agent', 'agents', 'agent_name', 'name', 'agentName']);
const leaks = [];
let sent = 0;
async function check(what, r) {
  sent++;
  if (r.text.includes(MARK)) leaks.push(`${what} → ${r.status} ${r.text.slice(Math.max(0, r.text.indexOf(MARK) - 80), r.text.indexOf(MARK) + 20)}`);
}
const ids = { id: held.approvalId, approval_id: held.approvalId };
for (const [path, { type, input }] of Object.entries(SCHEMAS)) {
  if (type === 'subscription' || path.startsWith('demo.') || path === 'auth.logout') continue;
  const props = input?.properties ?? {};
  const fields = Object.keys(props).filter((k) => AGENT_FIELDS.has(k));
  const base = {};
  for (const [k, v] of Object.entries(props)) if (k in ids && (v.type === 'integer' || v.type === 'number')) base[k] = ids[k];
  const inputs = fields.length
    ? variants.flatMap((v) => fields.map((f) => ({ ...base, [f]: props[f].type === 'array' ? (Array.isArray(v) ? v : [v]) : v })))
    : [Object.keys(base).length ? base : undefined];
  for (const inp of inputs) {
    const text = inp === undefined ? undefined : JSON.stringify(inp);
    const r =
      type === 'query'
        ? await raw('GET', `/trpc/${path}${text ? `?input=${encodeURIComponent(text)}` : ''}`, { key: aKey })
        : await raw('POST', `/trpc/${path}${text ? '' : '?batch=1'}`, { key: aKey, body: text ?? '{}' });
    await check(`${path} ${text ?? ''}`, r);
  }
}
const doc = JSON.parse((await raw('GET', '/api/openapi.json')).text);
for (const [template, item] of Object.entries(doc.paths)) {
  for (const method of Object.keys(item)) {
    if (template.startsWith('/demo')) continue;
    for (const v of [B, B.toUpperCase(), encodeURIComponent('scopeB*')]) {
      const p = template.replace(/\{(\w+)\}/g, (_m, n) => (n in ids ? String(ids[n]) : n === 'action' ? 'pay' : v));
      const qs = `agent_name=${v}&agent=${v}&name=${v}`;
      const r = await raw(method.toUpperCase(), `/api${p}?${qs}`, {
        key: aKey,
        body: method === 'get' ? undefined : JSON.stringify({ agent_name: v, agent: v, name: v, status: 'PAUSED', decision: 'APPROVED', action: 'read', rule_type: 'ALLOW', args: {} }),
      });
      await check(`${method.toUpperCase()} ${p}`, r);
    }
  }
}
for (const p of ['/export/audit?format=json', `/export/audit?format=json&agent=${B}`, `/export/report?format=html&agent=${B}`]) {
  await check(p, await raw('GET', p, { key: aKey }));
}
result(`an agent key for A reads nothing of B's (${sent} requests over every procedure and REST path)`, leaks.length === 0, leaks.slice(0, 5).join('\n   '));
const bAfter = (await bStatus()).replace(/"last\w*":"[^"]*"/g, '');
result("and changed nothing of B's (status, policy)", bAfter === bBefore, bAfter === bBefore ? '' : `${bBefore}\n → ${bAfter}`);
const apr = await admin.approvals.byId.query({ id: held.approvalId });
result("B's approval is still pending", apr.status === 'PENDING', apr.status);
const bAudit2 = (await admin.audit.list.query({ agent: B, limit: 200 })).entries.length;
result("no entries were written under B's name by A's key", bAudit2 === bAudit, `${bAudit} → ${bAudit2}`);
const sanity = await raw('GET', `/api/sdk/audit-log?agent_name=${B}`, { key: bKey });
result("B's own key does read its marker (the check above is meaningful)", sanity.text.includes(MARK), `${sanity.status}`);
