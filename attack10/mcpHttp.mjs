/* global process, console, fetch, setTimeout, URL, AbortSignal */
// Attack: `aegis mcp serve` (Streamable HTTP) in front of the hostile stdio upstream, spoken to
// as raw JSON-RPC over HTTP: JSON-RPC batches and repeated ids, tool names that differ only in
// case, by a look-alike letter or a trailing space, a slow upstream holding other calls, deeply
// nested and 30 MB results, and one agent key opening many sessions.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentWithPolicy, CARD, client, result, tag, URL_ } from './common.mjs';

const here = new URL('.', import.meta.url).pathname;
const PORT = Number(process.env.GATEWAY_PORT ?? 8601);
const agent = `McpHttp${tag()}`;
const key = await agentWithPolicy(
  agent,
  `
kind: AgentPolicy
agent: ${agent}
default: ALLOW
rules:
  - { id: cards-out, on: result, actions: ['hostile.*'], when: "dlp.found('card')", effect: BLOCK }
`,
);
const dir = mkdtempSync(join(tmpdir(), 'a10-http-'));
writeFileSync(
  join(dir, 'gateway.yaml'),
  `aegis: { url: ${URL_} }
listen: { host: 127.0.0.1, port: ${PORT}, path: /mcp }
upstreams:
  hostile:
    command: ${process.execPath}
    args: [${join(here, 'hostileUpstream.mjs')}]
`,
);
const gw = spawn(process.execPath, [join(here, '../sdk/bin/aegis.mjs'), 'mcp', 'serve', '--config', join(dir, 'gateway.yaml'), '--no-pins'], {
  env: { ...process.env, AEGIS_URL: URL_, AEGIS_API_KEY: '' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let gwErr = '';
gw.stderr.on('data', (c) => (gwErr += c));
const endpoint = `http://127.0.0.1:${PORT}/mcp`;
for (let i = 0; i < 100; i++) {
  if (await fetch(endpoint).then(() => true, () => false)) break;
  await new Promise((r) => setTimeout(r, 100));
}

/** One POST; the answer's JSON-RPC messages (JSON or SSE). */
async function post(body, sid, timeoutMs = 30_000) {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...(sid ? { 'mcp-session-id': sid } : {}),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  const ct = res.headers.get('content-type') ?? '';
  const messages = ct.includes('event-stream')
    ? text.split('\n').filter((l) => l.startsWith('data:')).map((l) => JSON.parse(l.slice(5)))
    : text ? [JSON.parse(text)].flat() : [];
  return { status: res.status, sid: res.headers.get('mcp-session-id'), messages };
}
async function session() {
  const init = await post({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, init.sid);
  return init.sid;
}
const call = (sid, id, name, args = {}, timeoutMs) => post({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }, sid, timeoutMs);

try {
  const sid = await session();
  const listed = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, sid);
  console.log('tools:', listed.messages[0]?.result?.tools?.map((t) => t.name).join(', '));

  // Names: only the exact listed name reaches the upstream.
  for (const name of ['LOOKUP', 'lookup ', 'lооkup', 'hostile__lookup', 'lookup\u0000']) {
    const r = await call(sid, 10, name);
    const code = r.messages[0]?.result?._meta?.aegis?.code ?? JSON.stringify(r.messages[0]).slice(0, 80);
    result(`tools/call ${JSON.stringify(name)} is refused as unknown`, code === 'UNKNOWN_TOOL', code);
  }

  // A batch of two calls with one id: answered as a batch refusal, or each decided — never a raw result.
  const batch = await post([
    { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'lookup', arguments: {} } },
    { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'lookup', arguments: { q: 2 } } },
  ], sid);
  result('a JSON-RPC batch of two calls with one id gets no raw card', !JSON.stringify(batch).includes(CARD), `${batch.status} ${JSON.stringify(batch.messages).slice(0, 140)}`);

  // A slow upstream call does not hold the session's other calls.
  const slow = call(sid, 20, 'slow', {}, 70_000).catch((e) => ({ error: e.message }));
  const t0 = Date.now();
  const quick = await call(sid, 21, 'lookup');
  result('a call answers while another waits on a slow upstream', Date.now() - t0 < 5000 && quick.messages.length > 0, `${Date.now() - t0} ms`);

  const deep = await call(sid, 22, 'deep');
  result('a 5,000-deep result: no raw card, the gateway answers', !JSON.stringify(deep).includes(CARD) && deep.messages.length > 0, JSON.stringify(deep.messages[0]).slice(0, 160));
  const big = await call(sid, 23, 'big', {}, 60_000).catch((e) => ({ messages: [], error: e.message }));
  result('a 30 MB result with a card at its end: the card is withheld', !JSON.stringify(big).includes(CARD), `${big.status} ${JSON.stringify(big.messages[0] ?? big.error).slice(0, 140)}`);
  const after = await call(sid, 24, 'lookup');
  result('the gateway still answers after them', after.messages.length > 0, '');
  const slowDone = await slow;
  console.log('  the slow call ended with:', JSON.stringify(slowDone.messages?.[0] ?? slowDone).slice(0, 160));

  // One key, many sessions: does each start its own upstream processes, without a bound?
  const children = () => {
    try {
      return execFileSync('pgrep', ['-P', String(gw.pid)]).toString().trim().split('\n').filter(Boolean).length;
    } catch {
      return 0;
    }
  };
  const before = children();
  const sids = [];
  for (let i = 0; i < 40; i++) {
    const s = await session().catch(() => null);
    if (!s) continue;
    sids.push(s);
    await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, s);
  }
  const grown = children() - before;
  const refused = await post({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  result('one agent key opening 40 sessions does not start 40 upstream processes', grown < 40, `${sids.length} sessions opened, ${grown} more upstream processes; the next initialize: ${refused.status} ${JSON.stringify(refused.messages[0]?.error?.message ?? '').slice(0, 90)}`);
} finally {
  gw.kill();
  if (process.env.SHOW_GATEWAY_LOG) console.log(gwErr);
}
void client;
