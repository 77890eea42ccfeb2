/* global console */
// Hostile bodies and methods on the seed's REST paths, sent three ways: the REST fast path (the
// plain shape: bearer, no Origin, no query, application/json), the same request through Express
// (a query string makes the fast path step aside) and, where there is one, the tRPC procedure.
// Every answer must be a 2xx or a clear 4xx — never a 5xx — the fast path and Express must agree,
// and no forged field may be stored.
import { client, keyOf, raw, result, tag } from './common.mjs';

const admin = client().api;
const agent = `rb${tag()}`;
await admin.sdk.registerAgent.mutate({ name: agent, allows: ['read'] });
const key = (await keyOf('agent', [agent])).key;
const ok = (s) => s >= 200 && s < 500 && s !== 0;

const body = (extra = '') =>
  `{"agent_name":"${agent}","action":"read","status":"ERROR","details":"x"${extra}}`;
const cases = [
  ['duplicate keys (status twice, last ALLOWED→APPROVED)', `{"agent_name":"${agent}","action":"read","status":"ERROR","status":"APPROVED"}`],
  ['duplicate agent_name (another agent last)', `{"agent_name":"${agent}","agent_name":"someone-else","action":"read","status":"ERROR"}`],
  ['__proto__ with status', body(',"__proto__":{"status":"APPROVED","source":"person","actor":"admin"}')],
  ['constructor.prototype', body(',"constructor":{"prototype":{"source":"person"}}')],
  ['forged source/actor/hash/id', body(',"source":"person","actor":"alice","hash":"00","prevHash":"00","id":1,"timestamp":"1970-01-01T00:00:00Z"')],
  ['number beyond 2^53 as details', `{"agent_name":"${agent}","action":"read","status":"ERROR","details":9007199254740993}`],
  ['NaN', `{"agent_name":"${agent}","action":"read","status":"ERROR","details":NaN}`],
  ['Infinity', `{"agent_name":"${agent}","action":"read","status":"ERROR","details":Infinity}`],
  ['1e400', `{"agent_name":"${agent}","action":"read","status":"ERROR","details":1e400}`],
  ['deeply nested arrays (5,000)', body(`,"x":${'['.repeat(5000)}${']'.repeat(5000)}`)],
  ['nested arrays (60)', body(`,"x":${'['.repeat(60)}${']'.repeat(60)}`)],
  ['a top-level array', `[${body()}]`],
  ['a top-level string', `"hello"`],
  ['a lone surrogate in details', `{"agent_name":"${agent}","action":"read","status":"ERROR","details":"\\ud800"}`],
  ['NUL in action', `{"agent_name":"${agent}","action":"re\\u0000ad","status":"ERROR"}`],
  ['BOM first', `\ufeff${body()}`],
  ['empty object', '{}'],
  ['truncated', body().slice(0, 30)],
];
const types = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset="utf-8"',
];

const bad5xx = [];
const disagree = [];
for (const [what, text] of cases) {
  for (const type of types) {
    const fast = await raw('POST', '/api/sdk/log', { key, body: text, headers: { 'content-type': type } });
    const slow = await raw('POST', '/api/sdk/log?via=express', { key, body: text, headers: { 'content-type': type } });
    if (!ok(fast.status) || !ok(slow.status)) bad5xx.push(`${what} [${type}]: fast ${fast.status} ${fast.text.slice(0, 80)} / express ${slow.status} ${slow.text.slice(0, 80)}`);
    if (fast.status !== slow.status) disagree.push(`${what} [${type}]: fast ${fast.status} ${fast.text.slice(0, 90)} / express ${slow.status} ${slow.text.slice(0, 90)}`);
  }
}
result('no hostile body answers 5xx (fast path and Express, 18 bodies × 7 content types)', bad5xx.length === 0, bad5xx.slice(0, 5).join(' | '));
result('the fast path and Express answer alike', disagree.length === 0, `${disagree.length} differ: ${disagree.slice(0, 4).join(' | ')}`);

// What got stored: nothing forged.
const entries = (await admin.audit.list.query({ agent, limit: 200 })).entries;
// (a refused report is recorded by the server as a VIOLATION against the agent: that's expected)
const forged = entries.filter(
  (e) =>
    !(e.status === 'ERROR' && e.source === 'agent') &&
    !(e.status === 'VIOLATION' && e.source === 'server') ||
    (e.actor && !e.actor.startsWith('agent-')) ||
    new Date(e.timestamp).getFullYear() < 2000,
);
result('nothing forged stored (status, source, actor, timestamp)', forged.length === 0, JSON.stringify(forged.slice(0, 3).map((e) => ({ id: e.id, status: e.status, source: e.source, actor: e.actor, ts: e.timestamp }))));
const others = (await admin.audit.list.query({ agent: 'someone-else', limit: 5 }).catch(() => ({ entries: [] }))).entries;
result('a duplicate agent_name did not write for another agent', others.length === 0, JSON.stringify(others.slice(0, 2)));

// Methods: HEAD, OPTIONS, method override headers.
const methods = [];
for (const [m, path, headers] of [
  ['HEAD', `/api/sdk/agent-status/${agent}`, {}],
  ['OPTIONS', '/api/sdk/log', {}],
  ['OPTIONS', '/api/sdk/log', { origin: 'http://evil.example', 'access-control-request-method': 'POST' }],
  ['GET', '/api/sdk/log', {}],
  ['PUT', '/api/sdk/log', { 'content-type': 'application/json' }],
  ['GET', '/api/sdk/log', { 'x-http-method-override': 'POST' }],
  ['POST', `/api/sdk/agent-status/${agent}`, { 'x-http-method-override': 'GET', 'content-type': 'application/json' }],
  ['POST', `/api/agents/${agent}/toggle`, { 'x-http-method': 'POST', 'content-type': 'application/json' }],
  ['GET', `/api/agents/${agent}/toggle`, { 'x-method-override': 'POST' }],
  ['DELETE', `/api/agents/${agent}`, {}],
]) {
  const b = ['POST', 'PUT'].includes(m) ? JSON.stringify({ status: 'PAUSED' }) : undefined;
  const r = await raw(m, path, { key, body: b, headers });
  methods.push(`${m} ${path.replace(agent, 'A')} ${Object.keys(headers).join(',')}: ${r.status}`);
  if (!ok(r.status)) bad5xx.push(`${m} ${path}: ${r.status} ${r.text.slice(0, 100)}`);
}
console.log(`NOTE ${methods.join(' | ')}`);
const status = await admin.sdk.agentStatus.query({ name: agent });
result("no method override paused the agent with an agent key", status?.status !== 'PAUSED' && status !== 'PAUSED', JSON.stringify(status));
result('no method or override answers 5xx', bad5xx.length === 0, bad5xx.slice(-3).join(' | '));

// The same bodies on tRPC's sdk.log: 4xx, never 5xx.
const trpcBad = [];
for (const [what, text] of cases) {
  const r = await raw('POST', '/trpc/sdk.log', { key, body: text.replace(/agent_name/g, 'agent') });
  if (!ok(r.status)) trpcBad.push(`${what}: ${r.status} ${r.text.slice(0, 100)}`);
}
result('the same bodies on tRPC sdk.log: never 5xx', trpcBad.length === 0, trpcBad.slice(0, 3).join(' | '));
const v = await admin.audit.verify.query();
result('the log verifies after all this', v.ok, JSON.stringify(v.firstBad));
