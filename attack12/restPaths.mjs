/* global setTimeout, URL, Buffer */
// Attack: the seed's REST paths on the fast path (http/restFastPath.ts, no Express) against the
// same paths through Express and the tRPC router — an agent key for A reading or writing B's
// state through path spellings (`//api`, `%2F`, `%42`, case, dots, a trailing slash), HEAD and
// OPTIONS, content types, chunked and slow bodies, duplicate JSON keys, `__proto__`, body sizes
// and credentials (Bearer/Basic, a cookie beside a key). Raw sockets: every byte is chosen.
import net from 'node:net';
import { adminKey, agentWithPolicy, client, keyOf, result, tag, URL_ } from './common.mjs';

const { hostname, port } = new URL(URL_);
const admin = client().api;
const A = `FpA${tag()}`;
const B = `FpB${tag()}`;
const keyA = await agentWithPolicy(A, null);
await agentWithPolicy(B, null);
// B's state an agent key for A must not read: paused, and a BLOCK rule on a named action
await admin.sdk.registerAgent.mutate({ name: B, allows: [], blocks: ['secret_action'] }).catch(() => {});
await admin.agents.setStatus.mutate({ name: B, status: 'PAUSED' });

/** One request as raw bytes; resolves with status, headers text and body. */
function rawHttp(head, body = '', { slowMs = 0, timeoutMs = 15000 } = {}) {
  return new Promise((resolve) => {
    const s = net.connect(Number(port), hostname);
    let data = '';
    const done = () => {
      const [h = '', ...rest] = data.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(h)?.[1] ?? 0);
      resolve({ status, head: h, body: rest.join('\r\n\r\n') });
    };
    s.setTimeout(timeoutMs, () => s.destroy());
    s.on('data', (d) => (data += d));
    s.on('close', done);
    s.on('error', () => {});
    s.on('connect', async () => {
      s.write(`${head}Connection: close\r\n\r\n`);
      if (!slowMs) return void s.write(body);
      for (const ch of body) {
        s.write(ch);
        await new Promise((r) => setTimeout(r, slowMs));
      }
    });
  });
}
const bearer = (k) => `Authorization: Bearer ${k}\r\n`;
const get = (path, extra = '', method = 'GET') => rawHttp(`${method} ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n${bearer(keyA)}${extra}`);
const post = (path, json, extra = '', type = 'application/json') =>
  rawHttp(
    `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n${bearer(keyA)}Content-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(json)}\r\n${extra}`,
    json,
  );
const leaks = (r) => /PAUSED|"BLOCK"/.test(r.body);
const statusOf = (r) => `${r.status} ${r.body.slice(0, 70).replace(/\s+/g, ' ')}`;

// the check works: B's own state is visible to the admin
const control = await rawHttp(`GET /api/sdk/agent-status/${B} HTTP/1.1\r\nHost: x\r\n${bearer(adminKey)}`);
const controlRule = await rawHttp(`GET /api/sdk/policy/${B}/secret_action HTTP/1.1\r\nHost: x\r\n${bearer(adminKey)}`);
result('control: the admin reads B paused, and its BLOCK rule', /PAUSED/.test(control.body) && /"BLOCK"/.test(controlRule.body), `${statusOf(control)}; ${statusOf(controlRule)}`);

// 1. Reads of B's state with A's key, every spelling, both paths.
const readPaths = [
  `/api/sdk/agent-status/${B}`,
  `/api/sdk/agent-status/${B}?x=1`,
  `/api/sdk/agent-status/${encodeURIComponent(B).replace(/^F/, '%46')}`,
  `/api/sdk/agent-status/${B.replace(/^F/, '%2546')}`,
  `/API/SDK/agent-status/${B}`,
  `/api/SDK/AGENT-STATUS/${B}`,
  `//api/sdk/agent-status/${B}`,
  `/api//sdk/agent-status/${B}`,
  `/api/sdk//agent-status/${B}`,
  `/api/sdk/agent-status/${B}/`,
  `/api/sdk/agent-status/${B}.`,
  `/api/sdk/agent-status/${B}%2F`,
  `/api/sdk/./agent-status/${B}`,
  `/api/sdk/x/../agent-status/${B}`,
  `/api/sdk/agent-status/${A}/../${B}`,
  `/api/sdk/agent-status/${A}%2F..%2F${B}`,
  `/api/./sdk/agent-status/${B}`,
  `/api/sdk/agent-status/${B};x`,
  `/api/sdk/agent-status/${B}#x`,
  `/api/sdk/policy/${B}/secret_action`,
  `/api/sdk/policy/${B}/secret_action?`,
  `/api/sdk/policy/${B.toLowerCase()}/secret_action`,
  `/api/sdk/policies/${B}`,
  `/api/agents/${B}/policies`,
  `/api/agents/${B}/logs`,
];
let readLeaks = [];
for (const p of readPaths) {
  for (const [method, extra] of [
    ['GET', ''],
    ['HEAD', ''],
    ['GET', `Origin: http://${hostname}:${port}\r\n`],
    ['GET', 'If-None-Match: "x"\r\n'],
    ['OPTIONS', ''],
  ]) {
    const r = await get(p, extra, method);
    if (leaks(r) || r.status >= 500) readLeaks.push(`${method} ${p} ${extra.trim()} → ${statusOf(r)}`);
  }
}
result(`A's key reading B's status and rules: ${readPaths.length} spellings × GET/HEAD/Origin/If-None-Match/OPTIONS, nothing of B's, no 5xx`, readLeaks.length === 0, readLeaks.slice(0, 4).join(' | '));

// 2. Writes for B with A's key: body shapes and transports.
const before = (await admin.audit.list.query({ agent: B, limit: 200 })).entries.length;
const logFor = (name) => JSON.stringify({ agent_name: name, action: 'x', status: 'BLOCKED', details: 'forged' });
const bodies = {
  'plain for B': logFor(B),
  'duplicate key, B last': `{"agent_name":"${A}","action":"x","status":"BLOCKED","agent_name":"${B}"}`,
  'duplicate key, B first': `{"agent_name":"${B}","action":"x","status":"BLOCKED","agent_name":"${A}"}`,
  '__proto__ carrying B': `{"__proto__":{"agent_name":"${B}"},"action":"x","status":"BLOCKED"}`,
  'constructor.prototype': `{"constructor":{"prototype":{"agent_name":"${B}"}},"agent_name":"${A}","action":"x","status":"BLOCKED"}`,
  'B with a BOM': `\ufeff${logFor(B)}`,
  'B as an escaped name': logFor(B).replace(B, B.replace(/^F/, '\\u0046')),
  'array body': `[${logFor(B)}]`,
};
const transports = {
  'fast path': (path, b) => post(path, b),
  'charset quoted (Express)': (path, b) => post(path, b, '', 'application/json; charset="utf-8"'),
  'query string (Express)': (path, b) => post(`${path}?x=1`, b),
  'text/plain': (path, b) => post(path, b, '', 'text/plain'),
  'application/x-www-form-urlencoded': (path, b) => post(path, b, '', 'application/x-www-form-urlencoded'),
  chunked: (path, b) =>
    rawHttp(
      `POST ${path} HTTP/1.1\r\nHost: x\r\n${bearer(keyA)}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n`,
      `${Buffer.byteLength(b).toString(16)}\r\n${b}\r\n0\r\n\r\n`,
    ),
  'slow body (1 byte / 20 ms)': (path, b) =>
    rawHttp(`POST ${path} HTTP/1.1\r\nHost: x\r\n${bearer(keyA)}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\n`, b, { slowMs: 20 }),
  'gzip declared': (path, b) => post(path, b, 'Content-Encoding: gzip\r\n'),
};
const writeLeaks = [];
const answers = {};
for (const [bn, b] of Object.entries(bodies)) {
  for (const [tn, send] of Object.entries(transports)) {
    if (tn.startsWith('slow') && bn !== 'plain for B') continue;
    for (const path of ['/api/sdk/log', '//api/sdk/log', '/API/sdk/log', '/api/sdk/log/', '/api/sdk/%6cog']) {
      const r = await send(path, b);
      answers[r.status] = (answers[r.status] ?? 0) + 1;
      if (r.status === 200 && !r.body.includes('"id"')) continue;
      // JSON's last key wins (as everywhere): "B first" is A's own report, so are the prototype tricks
      const forA = ['duplicate key, B first', '__proto__ carrying B', 'constructor.prototype'].includes(bn);
      if (r.status >= 500 || (r.status === 200 && !forA))
        writeLeaks.push(`${tn} ${bn} ${path} → ${statusOf(r)}`);
    }
  }
}
const after = (await admin.audit.list.query({ agent: B, limit: 200 })).entries.length;
result(
  "A's key writing B's log: body shapes × transports × path spellings, none stored under B, no 5xx",
  writeLeaks.length === 0 && after === before,
  `${JSON.stringify(answers)}; B's entries ${before} → ${after}; ${writeLeaks.slice(0, 3).join(' | ')}`,
);

// 3. Same write over tRPC's fast path and Express: batch of A then B, path spellings.
const t = await rawHttp(
  `POST /trpc/sdk.log,sdk.log?batch=1 HTTP/1.1\r\nHost: x\r\n${bearer(keyA)}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(
    JSON.stringify({ 0: { agent: A, action: 'x', status: 'BLOCKED' }, 1: { agent: B, action: 'x', status: 'BLOCKED' } }),
  )}\r\n`,
  JSON.stringify({ 0: { agent: A, action: 'x', status: 'BLOCKED' }, 1: { agent: B, action: 'x', status: 'BLOCKED' } }),
);
const after2 = (await admin.audit.list.query({ agent: B, limit: 200 })).entries.length;
result('tRPC batch [A, B] with A\'s key: B\'s half refused', after2 === before && /FORBIDDEN/.test(t.body), `${t.status} B's entries ${after2}`);

// 4. Sizes: declared bigger than the limit, declared smaller than sent, 0, negative.
const big = JSON.stringify({ agent_name: A, action: 'x', status: 'BLOCKED', details: 'x'.repeat(1024 * 1024) });
const sizes = await Promise.all([
  post('/api/sdk/log', big),
  rawHttp(`POST /api/sdk/log HTTP/1.1\r\nHost: x\r\n${bearer(keyA)}Content-Type: application/json\r\nContent-Length: 10\r\n`, logFor(A)),
  rawHttp(`POST /api/sdk/log HTTP/1.1\r\nHost: x\r\n${bearer(keyA)}Content-Type: application/json\r\nContent-Length: 0\r\n`, ''),
  rawHttp(`POST /api/sdk/log HTTP/1.1\r\nHost: x\r\n${bearer(keyA)}Content-Type: application/json\r\nContent-Length: -5\r\n`, logFor(A)),
  rawHttp(`POST /api/sdk/log HTTP/1.1\r\nHost: x\r\n${bearer(keyA)}Content-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 500\r\n`, logFor(A)),
  rawHttp(`POST /api/sdk/log HTTP/1.1\r\nHost: x\r\n${bearer(keyA)}Content-Type: application/json\r\nContent-Length: ${logFor(A).length}\r\nTransfer-Encoding: chunked\r\n`, logFor(A)),
]);
result(
  'body sizes (1 MiB+, declared short, 0, negative, two lengths, length + chunked): 4xx each, no 5xx or hang',
  sizes.every((r) => r.status >= 400 && r.status < 500),
  sizes.map((r) => r.status).join(','),
);

// 5. Credentials: an admin session cookie beside A's key on the fast path; a bad key beside the cookie.
const viewer = await keyOf('viewer');
const credentialCases = [
  ['Basic with A as password', `Authorization: Basic ${Buffer.from(`x:${keyA}`).toString('base64')}\r\n`],
  ['Basic with A as user', `Authorization: Basic ${Buffer.from(`${keyA}`).toString('base64')}\r\n`],
  ['lower-case bearer', `Authorization: bearer ${keyA}\r\n`],
  ['two Authorization headers (A, viewer)', `Authorization: Bearer ${keyA}\r\nAuthorization: Bearer ${viewer.key}\r\n`],
];
const credLeaks = [];
for (const [name, header] of credentialCases) {
  const r = await rawHttp(`GET /api/sdk/agent-status/${B} HTTP/1.1\r\nHost: x\r\n${header}`);
  if (leaks(r) && !name.startsWith('two')) credLeaks.push(`${name} → ${statusOf(r)}`);
  if (name.startsWith('two') && leaks(r)) credLeaks.push(`${name} read as the viewer → ${statusOf(r)}`);
  const w = await rawHttp(
    `POST /api/sdk/log HTTP/1.1\r\nHost: x\r\n${header}Content-Type: application/json\r\nContent-Length: ${logFor(B).length}\r\n`,
    logFor(B),
  );
  if (w.status === 200) credLeaks.push(`${name} wrote B → ${statusOf(w)}`);
}
result('credential spellings (Basic user/password, lower-case, two headers): A stays A', credLeaks.length === 0, credLeaks.join(' | '));
