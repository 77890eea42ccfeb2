// Detector names are the SDK's to send (findings of a result, of local-mode records) and land as
// field names in the rollup counters (`xf.<detector>`, `dt.<tool>.<detector>`): `$`, dots, empty
// path parts, `__proto__`. A hostile name must be refused (4xx) or counted under an escaped key,
// never fail the call, break the rollups (Analytics) or the audit chain.
import { agentWithPolicy, client, result, tag } from './common.mjs';

const agent = `dn-${tag()}`;
const key = await agentWithPolicy(agent, `kind: AgentPolicy\nagent: ${agent}\ndefault: ALLOW\nrules: []\n`);
const me = client(key).api;
const admin = client().api;
const names = ['$inc', 'card.x', 'a.b', '.', 'x.', '__proto__', 'constructor', '$', 'a..b', 'h.99', 'toString', '\u0000', '\ud800'];
for (const detector of names) {
  const f = [{ detector, path: '/a', count: 1, confidence: 0.9 }];
  const d = await me.sdk.decide.mutate({ agent, action: 'det', args: {} });
  const c = await me.sdk.complete.mutate({ callId: d.callId, outcome: 'ok', durationMs: 5, resultFindings: f }).then(() => 'ok', (e) => `${e.data?.httpStatus} ${e.message.replace(/\s+/g, " ").slice(0, 60)}`);
  result(`complete with result detector ${JSON.stringify(detector)} → ${c}`, c === 'ok' || /^4/.test(c));
  const d2 = await me.sdk.decide.mutate({ agent, action: 'det2', args: {} });
  const r = await me.sdk.result.mutate({ agent, action: 'det2', callId: d2.callId, findings: f, argsFindings: f, preview: '{}' }).then(() => 'ok', (e) => `${e.data?.httpStatus} ${e.message.replace(/\s+/g, " ").slice(0, 60)}`);
  result(`result with detector ${JSON.stringify(detector)} → ${r}`, r === 'ok' || /^4/.test(r));
}
const v = await admin.audit.verify.query({}).then((x) => x, (e) => ({ ok: false, err: e.message }));
result('audit verify passes', v.ok === true, JSON.stringify(v).slice(0, 200));
