// Agent-written JSON stored as documents (not as JSON text): declared tool schemas (the manifest)
// and an MCP upstream's tool definitions (the pins). Keys BSON can't hold or reads as a type of
// its own (`_bsontype`, NUL, `$`, dots, `__proto__`), deep nesting: a 4xx or stored as sent —
// never a 500 — and every read of them still works.
import { agentWithPolicy, client, raw, result, tag } from './common.mjs';

const agent = `hd-${tag()}`;
const key = await agentWithPolicy(agent, `kind: AgentPolicy\nagent: ${agent}\ndefault: ALLOW\nrules: []\n`);
const nest = (n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const schemas = {
  bsontype: '{"type":"object","properties":{"x":{"_bsontype":"Long","low":1,"high":0}}}',
  bsontypeTop: '{"_bsontype":"Code","code":"1"}',
  nulKey: '{"type":"object","properties":{"a\\u0000b":{"type":"string"}}}',
  dollar: '{"type":"object","properties":{"$ref":{"$ref":"#/x"},"a.b":{"type":"string"}}}',
  proto: '{"__proto__":{"polluted":1},"type":"object"}',
  lone: '{"type":"object","properties":{"\\ud800":{"type":"string"}}}',
  deep: nest(90),
};
for (const [name, schema] of Object.entries(schemas)) {
  const body = `{"name":"${agent}","tools":[{"name":"t_${name}","argsSchema":${schema}}]}`;
  const r = await raw('POST', '/trpc/sdk.registerAgent', { key, body });
  result(`declared tool schema ${name} → ${r.status}`, r.status > 0 && r.status < 500, r.text.slice(0, 160));
}
const defs = {
  bsontype: '{"name":"p","inputSchema":{"type":"object","properties":{"x":{"_bsontype":"Decimal128","bytes":"AAAA"}}}}',
  nulKey: '{"name":"p","inputSchema":{"type":"object","properties":{"a\\u0000":{}}}}',
  dollar: '{"name":"p","inputSchema":{"$schema":"x","properties":{"a.b":{}}},"_meta":{"$x":1}}',
  deep: `{"name":"p","inputSchema":${nest(90)}}`,
};
for (const [name, def] of Object.entries(defs)) {
  const body = `{"agent":"${agent}","upstream":"up-${name}","tools":[{"name":"p","definition":${def}}]}`;
  const r = await raw('POST', '/trpc/toolPins.check', { key, body });
  result(`MCP tool definition ${name} → ${r.status}`, r.status > 0 && r.status < 500, r.text.slice(0, 160));
}
const admin = client().api;
for (const [what, fn] of Object.entries({
  'manifest': () => admin.manifests.get.query({ agent }),
  'pins': () => admin.toolPins.list.query({}),
  'agents.list': () => admin.agents.list.query(),
})) {
  const r = await Promise.resolve().then(fn).then(() => 'ok', (e) => e.message.slice(0, 160));
  result(`${what} still reads`, r === 'ok', r);
}
for (const p of [`/api/agents/${agent}/manifest`, `/api/agents/${agent}/manifest/export?format=cyclonedx`, '/export/report?format=json']) {
  const r = await raw('GET', p, { key: (await import('./common.mjs')).adminKey, timeoutMs: 60000 });
  result(`GET ${p} → ${r.status}`, r.status === 200, r.status === 200 ? '' : r.text.slice(0, 160));
}
result('no prototype pollution visible', ({}).polluted === undefined);
