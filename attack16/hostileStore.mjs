/* global console, Buffer */
// Hostile values on the decision path, whose writes now go straight into the embedded store in
// the server's process: keys like `$where`, `a.b`, `__proto__`, NUL and lone surrogates in keys
// and strings (args, run ids, tool tags, upstream names, error texts), deep nesting, big numbers,
// near-16 MiB documents. Each call must get a 4xx or be stored faithfully; afterwards the server
// answers, audit verify passes and every read (Activity, entry page, export, logs) still works.
import { adminKey, agentWithPolicy, client, raw, result, tag } from './common.mjs';

const agent = `hs-${tag()}`;
const key = await agentWithPolicy(agent, `kind: AgentPolicy\nagent: ${agent}\ndefault: ALLOW\nrules: []\n`);
const nest = (n, leaf) => { let v = leaf; for (let i = 0; i < n; i++) v = { a: v }; return v; };

// Raw JSON text, so keys and escapes reach the server as written.
const bodies = {
  dollarKeys: '{"$where":"sleep(1000)","$set":{"x":1},"a.b":{"$ne":1},"$$ROOT":1}',
  protoKeys: '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
  nulValue: '{"s":"a\\u0000b"}',
  nulKey: '{"a\\u0000b":1}',
  loneHighValue: '{"s":"x\\ud800y"}',
  loneLowValue: '{"s":"\\udc00"}',
  loneKey: '{"\\ud800":1}',
  nested120: JSON.stringify(nest(120, 'deep')),
  nested1000: JSON.stringify(nest(1000, 'deep')),
  arrays5000: '{"a":' + '['.repeat(5000) + '1' + ']'.repeat(5000) + '}',
  hugeArray: JSON.stringify({ a: Array.from({ length: 200_000 }, (_, i) => i) }),
  int64: '{"n":9223372036854775807,"m":-9223372036854775809,"big":1e400,"d":0.1e-400,"x":123456789012345678901234567890}',
  decimalish: '{"$numberDecimal":"1.5","$numberLong":"5","$oid":"507f1f77bcf86cd799439011","$date":{"$numberLong":"0"}}',
  typeKeys: '{"_bsontype":"Code","code":"1"}',
  typeKeys2: '{"a":{"_bsontype":"ObjectId","id":"aaaaaaaaaaaa"}}',
  typeKeys3: '{"a":{"_bsontype":"Long","low":1,"high":2}}',
  emptyKey: '{"":1,"a":{"":{"":2}}}',
  bigString: JSON.stringify({ s: 'x'.repeat(900_000) }),
};
const extra = {
  runIdNul: { run_id: 'r\u0000x' },
  runIdLone: { run_id: 'r\ud800' },
  toolTagLone: { tool: { tags: ['\udfff'], description: 'a\u0000b' } },
};
async function decide(name, body) {
  const r = await raw('POST', '/api/sdk/decide', { key, body: `{"agent_name":${JSON.stringify(agent)},"action":"t_${name}","args":${body}}` });
  return r;
}
const seen = [];
for (const [name, body] of Object.entries(bodies)) {
  const r = await decide(name, body);
  seen.push([name, r]);
  result(`args ${name} → ${r.status}`, r.status > 0 && r.status < 500, r.status >= 500 || r.status === 0 ? r.text.slice(0, 200) : r.text.slice(0, 120));
}
for (const [name, fields] of Object.entries(extra)) {
  const body = JSON.stringify({ agent_name: agent, action: `t_${name}`, args: { a: 1 }, ...fields });
  const r = await raw('POST', '/api/sdk/decide', { key, body });
  seen.push([name, r]);
  result(`${name} → ${r.status}`, r.status > 0 && r.status < 500, r.text.slice(0, 160));
}
// Through tRPC too (the SDK's path), with the same hostile run id / upstream fields.
const me = client(key).api;
for (const [name, input] of Object.entries({
  trpcRunLone: { runId: 'x\udbff' },
  trpcUpstreamLone: { upstream: 'u\ud800', upstreamTool: 'v\u0000' },
  trpcRunRef: { run: { threadId: 't\ud800', toolCallId: 'c\u0000' } },
})) {
  const r = await me.sdk.decide.mutate({ agent, action: `t_${name}`, args: { a: 1 }, ...input }).then(
    (d) => ({ status: 200, d }),
    (e) => ({ status: e.data?.httpStatus ?? 0, e: e.message }),
  );
  seen.push([name, r]);
  result(`${name} → ${r.status}`, r.status > 0 && r.status < 500, (r.e ?? JSON.stringify(r.d)).slice(0, 160));
}
// Outcomes: a hostile error text and result.
{
  const d = await me.sdk.decide.mutate({ agent, action: 'outc', args: {} });
  const r = await raw('POST', '/api/sdk/complete', { key, body: JSON.stringify({ call_id: d.callId, outcome: 'error', duration_ms: 1, error: 'e\ud800\u0000' }) });
  result(`complete with a lone surrogate + NUL error → ${r.status}`, r.status > 0 && r.status < 500, r.text.slice(0, 160));
  const d2 = await me.sdk.decide.mutate({ agent, action: 'outc2', args: {} });
  const r2 = await me.sdk.result.mutate({ agent, action: 'outc2', callId: d2.callId, findings: [], preview: '{"$where":1,"a.b":"\ud800","n":"\u0000"}' }).then(() => 200, (e) => `${e.data?.httpStatus} ${e.message.slice(0, 120)}`);
  result(`result preview with a lone surrogate and NUL → ${r2}`, r2 === 200 || (typeof r2 === 'string' && /^4/.test(r2)));
  const r3 = await me.sdk.complete.mutate({ callId: d2.callId, outcome: 'error', durationMs: 1, error: '\udfff\u0000x' }).then(() => 200, (e) => `${e.data?.httpStatus} ${e.message.slice(0, 120)}`);
  result(`tRPC complete with a lone surrogate error → ${r3}`, r3 === 200 || (typeof r3 === 'string' && /^4/.test(r3)));
}
// Faithful storage: what was accepted reads back as sent (or masked), and the entry page works.
const admin = client().api;
const list = await admin.audit.list.query({ agent, limit: 200 }).then((l) => l.entries, (e) => e);
result('Activity lists the agent\'s entries', Array.isArray(list), Array.isArray(list) ? `${list.length} entries` : String(list).slice(0, 200));
if (Array.isArray(list)) {
  for (const e of list) {
    const page = await admin.audit.detail.query({ id: e.id }).then(() => 'ok', (err) => err.message);
    if (page !== 'ok') result(`entry page of #${e.id} (${e.action})`, false, page.slice(0, 160));
  }
  const byAction = Object.fromEntries(list.map((e) => [e.action, e]));
  const lone = byAction.t_loneHighValue;
  if (lone) console.log('NOTE stored loneHighValue args:', JSON.stringify(lone.args ?? lone.argsPreview));
  const rl = byAction.t_runIdLone ?? byAction.trpcRunLone;
  if (rl) console.log('NOTE stored run id (lone surrogate):', JSON.stringify(rl.runId ?? rl.session));
  const proto = byAction.t_protoKeys;
  if (proto) console.log('NOTE stored __proto__ args:', JSON.stringify(proto.args ?? proto.argsPreview));
  const d = byAction.t_dollarKeys;
  if (d) console.log('NOTE stored $ args:', JSON.stringify(d.args ?? d.argsPreview));
  const i = byAction.t_int64;
  if (i) console.log('NOTE stored int64 args:', JSON.stringify(i.args ?? i.argsPreview));
}
result('no prototype pollution in this process (sanity)', ({}).polluted === undefined);
const v = await admin.audit.verify.query({}).then((x) => x, (e) => ({ ok: false, err: e.message }));
result('audit verify passes after the hostile writes', v.ok === true, JSON.stringify(v).slice(0, 300));
for (const p of ['/export/audit?format=csv', '/export/audit?format=json', '/export/report?format=json', '/export/report?format=md']) {
  const r = await raw('GET', p, { key: adminKey, timeoutMs: 60000 });
  result(`GET ${p} → ${r.status}`, r.status === 200 || (r.status >= 400 && r.status < 500 && r.status !== 404), r.status !== 200 ? r.text.slice(0, 160) : `${r.text.length} bytes`);
}
const h = await raw('GET', '/healthz');
result('the server still answers', h.status === 200, `${h.status}`);
void Buffer;
