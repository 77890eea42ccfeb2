/* global process, console, fetch, setTimeout, AbortController, Buffer */
// Secrets sideways: starts its own server (port 8702, data /tmp/attack13/s) with an OTLP/HTTP sink
// (41011), an SMTP sink (41012) and a webhook sink (41013), sends calls carrying a card, an SSN,
// tokens and the agent's own key in arguments, results, names and bad input, logs a person in
// with the one-time link, and then greps everything that left the server for the raw values:
// stdout/stderr, spans, e-mails, webhook bodies, a viewer's live feed, a viewer's exports, errors.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createAegis } from '../sdk/dist/index.js';

const PORT = 41010;
const URL_ = `http://127.0.0.1:${PORT}`;
const DIR = '/tmp/attack13/s';
rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true, mode: 0o700 });
const seen = { otlp: '', webhook: '', sse: '', exports: '', errors: '' };

let failures = 0;
function result(name, held, detail) {
  if (!held) failures++;
  console.log(`${held ? 'HELD  ' : 'BROKEN'}  ${name}${detail ? ` — ${detail}` : ''}`);
}

// ---- sinks ------------------------------------------------------------------------------------
const sink = (port, key) =>
  new Promise((resolve) => {
    const s = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        seen[key] += `\n${req.method} ${req.url}\n${Buffer.concat(chunks).toString('latin1')}`;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
const otlp = await sink(41011, 'otlp');
const hook = await sink(41013, 'webhook');
const smtp = spawn(process.execPath, ['attack10/../attack9/smtpSink.mjs', '41012', `${DIR}/mails.jsonl`], {
  stdio: 'ignore',
});
writeFileSync(`${DIR}/mails.jsonl`, '');

// ---- the server -------------------------------------------------------------------------------
const out = [];
const server = spawn(process.execPath, ['server/dist/index.js'], {
  env: {
    ...process.env,
    PORT: String(PORT),
    AEGIS_DATA_DIR: `${DIR}/d`,
    AEGIS_PUBLIC_URL: URL_,
    AEGIS_SMTP_URL: 'smtp://127.0.0.1:41012',
    AEGIS_NOTIFY_TICK_MS: '300',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:41011',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    LOG_LEVEL: 'debug',
    AEGIS_LOG_LEVEL: 'debug',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
server.stdout.on('data', (c) => out.push(c.toString()));
server.stderr.on('data', (c) => out.push(c.toString()));
const stop = () => {
  server.kill('SIGTERM');
  smtp.kill('SIGTERM');
  otlp.close();
  hook.close();
};
process.on('exit', stop);
for (let i = 0; i < 120 && !out.join('').includes('Aegis is listening'); i++)
  await new Promise((r) => setTimeout(r, 500));
const loginToken = /login\?token=([\w-]+)/.exec(out.join(''))?.[1];
const printedBeforeUse = out.join('').length;
const adminKey = readFileSync(`${DIR}/d/admin.key`, 'utf8').trim();
const api = (key) => createAegis({ url: URL_, apiKey: key }).api;
const admin = api(adminKey);

// ---- secrets ----------------------------------------------------------------------------------
const CARD = '4111 1111 1111 1111';
const CARD2 = '5555555555554444';
const SSN = '536-22-1120';
const GH = `ghp_${'A1b2C3d4E5'.repeat(3)}abcdef`;
const AWS = 'AKIAIOSFODNN7EXAMPLE';
const DOTTED = '4111.1111.1111.1111';
const AHEAD = '5555555555554444'; // sent as "1 5555555555554444"
const EACH = '4 0 1 2 8 8 8 8 8 8 8 8 1 8 8 1'; // 4012888888881881, digit by digit
const SSN_DOTS = '536.22.1120';
const IBAN_LC = 'de89370400440532013000';
const agent = 'leaky';
await admin.sdk.registerAgent.mutate({ name: agent, allows: [] });
await admin.channels.create.mutate({ name: 'mail', kind: 'email', to: ['rita@example.com'] });
await admin.channels.create.mutate({ name: 'hook', kind: 'webhook', url: 'http://127.0.0.1:41013/hook' });
await admin.policies.applyRules.mutate({
  message: 'attack13 sideways',
  yaml: `kind: AgentPolicy
agent: ${agent}
rules:
  - id: reads
    actions: [read]
    effect: ALLOW
  - id: pays
    actions: [pay]
    effect: REVIEW
    notify: [mail, hook]
    reason: "pay {{ args.card }} for {{ args.note }}"
  - id: no-send
    actions: [send]
    effect: BLOCK
    reason: "no send of {{ args.body }}"
`,
});
const { key: agentKey } = await admin.keys.create.mutate({ name: 'k-leaky', role: 'agent', agents: [agent] });
const { key: viewerKey } = await admin.keys.create.mutate({ name: 'v-leaky', role: 'viewer', agents: null });
const { key: reviewerKey } = await admin.keys.create.mutate({ name: 'r-leaky', role: 'reviewer', agents: null });
const SECRETS = { CARD, CARD2, SSN, GH, AWS, DOTTED, AHEAD, EACH, SSN_DOTS, IBAN_LC, agentKey, adminKey, viewerKey };

// A viewer's live feeds, open while everything happens.
const feeds = ['audit.onEntry', 'changes.onChange'].map((p) => {
  const ac = new AbortController();
  fetch(`${URL_}/trpc/${p}?input=${encodeURIComponent('{}')}`, {
    headers: { authorization: `Bearer ${viewerKey}`, accept: 'text/event-stream' },
    signal: ac.signal,
  })
    .then(async (res) => {
      for await (const c of res.body) seen.sse += Buffer.from(c).toString();
    })
    .catch(() => {});
  return ac;
});
await new Promise((r) => setTimeout(r, 500));

const ag = api(agentKey);
const args = {
  card: CARD,
  card2: CARD2,
  ssn: SSN,
  note: `token ${GH} aws ${AWS} key ${agentKey} dotted ${DOTTED} ahead 1 ${AHEAD} each ${EACH} ssn ${SSN_DOTS} iban ${IBAN_LC}`,
  body: CARD,
  [`k ${DOTTED}`]: `1 ${AHEAD}`,
};
const calls = [];
const d1 = await ag.sdk.decide.mutate({ agent, action: 'read', args });
calls.push(d1);
await ag.sdk.result
  .mutate({ agent, action: 'read', callId: d1.callId, result: { rows: [{ card: CARD, ssn: SSN, token: GH }] } })
  .catch((e) => (seen.errors += `\n${e.message}`));
await ag.sdk.complete
  .mutate({ callId: d1.callId, outcome: `failed for ${CARD} ${SSN} ${GH}`, durationMs: 3, error: `boom ${CARD} ${agentKey}` })
  .catch((e) => (seen.errors += `\n${e.message}`));
calls.push(await ag.sdk.decide.mutate({ agent, action: 'pay', args }));
calls.push(await ag.sdk.decide.mutate({ agent, action: 'send', args }));
calls.push(await ag.sdk.decide.mutate({ agent, action: 'unknown_tool', args }));
await ag.sdk.log
  .mutate({ agent, action: 'read', status: 'ALLOWED', details: `logged ${CARD} ${SSN} ${GH} ${agentKey}` })
  .catch((e) => (seen.errors += `\n${e.message}`));
seen.errors += JSON.stringify(calls);

// Bad input that may echo itself back or into a log.
const rawPost = async (path, body, key = agentKey) => {
  const res = await fetch(`${URL_}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body,
  });
  seen.errors += `\n${path} ${res.status} ${await res.text()}`;
};
await rawPost('/trpc/sdk.decide', JSON.stringify({ agent: CARD, action: SSN, args }));
await rawPost('/trpc/sdk.decide', JSON.stringify({ agent, action: `pay ${GH}`, args }));
await rawPost('/trpc/sdk.decide', JSON.stringify({ agent: 'other', action: 'read', args }));
await rawPost('/trpc/sdk.decide', `{"agent":"${agent}","action":"read","args":{"c":"${CARD}"`); // truncated JSON
await rawPost('/trpc/sdk.decide', JSON.stringify({ agent, action: 'read', args: { c: CARD }, [CARD]: 1 }));
await rawPost('/api/sdk/decide', JSON.stringify({ agent_name: agent, action: 'read', args: { c: CARD, s: SSN } }));
await rawPost('/api/sdk/log', JSON.stringify({ agent_name: agent, action: 'read', status: CARD, details: SSN }));
await rawPost('/trpc/keys.list', '', `${agentKey}x`);
await rawPost('/trpc/auth.login', JSON.stringify({ key: agentKey.slice(0, -1) }), undefined);
await rawPost('/trpc/auth.login', JSON.stringify({ token: `${loginToken}x` }), undefined);
await rawPost('/api/sdk/log', JSON.stringify({ agent_name: agent, action: 'read', status: 'ALLOWED' }), `${adminKey}zz`);

// A person signs in with the one-time link (its token is then used up) and looks around.
const login = await fetch(`${URL_}/login?token=${loginToken}`, { redirect: 'manual' });
const cookies = login.headers.getSetCookie();
const session = /aegis_session=([^;]+)/.exec(cookies.join(';'))?.[1];
const csrf = /aegis_csrf=([^;]+)/.exec(cookies.join(';'))?.[1];
await fetch(`${URL_}/trpc/audit.list?input=${encodeURIComponent('{}')}`, {
  headers: { cookie: `aegis_session=${session}; aegis_csrf=${csrf}` },
});
await fetch(`${URL_}/trpc/auth.logout`, {
  method: 'POST',
  headers: { cookie: `aegis_session=${session}; aegis_csrf=${csrf}`, 'x-aegis-csrf': csrf, 'content-type': 'application/json' },
  body: '{}',
});
await fetch(`${URL_}/trpc/audit.list`, { headers: { cookie: `aegis_session=${session}` } });

// The raw arguments of the held call: only the admin, and the reveal is recorded.
const approvalId = calls[1].approvalId;
for (const [who, key] of [['viewer', viewerKey], ['reviewer', reviewerKey], ['agent', agentKey]]) {
  const r = await api(key).approvals.reveal.mutate({ id: approvalId }).then((x) => JSON.stringify(x), (e) => `refused: ${e.message}`);
  const rest = await fetch(`${URL_}/api/approvals/${approvalId}/reveal`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  result(`a ${who} key can't reveal the raw arguments (tRPC, REST)`, r.startsWith('refused') && rest.status >= 400, `${r.slice(0, 80)}; REST ${rest.status}`);
}
const revealed = await admin.approvals.reveal.mutate({ id: approvalId }).then((x) => JSON.stringify(x), (e) => `refused: ${e.message}`);
result('the admin can reveal them', revealed.includes(DOTTED), revealed.slice(0, 80));
const trail = JSON.stringify((await admin.audit.list.query({ limit: 50 })).entries.filter((e) => e.action === 'aegis:reveal-args'));
result('the reveal is on the audit trail, with who did it', trail.includes('aegis:reveal-args') && /admin/i.test(trail), trail.slice(0, 200));

// A viewer's exports and views.
for (const p of [
  '/export/audit?format=csv',
  '/export/audit?format=json',
  '/export/audit?format=jsonl',
  '/export/report?format=html',
  '/export/report?format=json',
  '/export/report?format=md',
  '/export/report?format=csv',
  `/trpc/audit.list?input=${encodeURIComponent('{}')}`,
  `/trpc/approvals.list?input=${encodeURIComponent('{}')}`,
  `/trpc/analytics.dlp?input=${encodeURIComponent('{"range":"1h"}')}`,
  `/api/logs`,
  `/api/approvals/pending`,
]) {
  const res = await fetch(`${URL_}${p}`, { headers: { authorization: `Bearer ${viewerKey}` } });
  seen.exports += `\n${p} ${res.status}\n${await res.text()}`;
}
for (const e of (await api(viewerKey).audit.list.query({ agent, limit: 50 })).entries) {
  const r = await fetch(`${URL_}/trpc/audit.detail?input=${encodeURIComponent(JSON.stringify({ id: e.id }))}`, {
    headers: { authorization: `Bearer ${viewerKey}` },
  });
  seen.exports += `\n${await r.text()}`;
}

await new Promise((r) => setTimeout(r, 4000)); // notifications tick, span batches flush
feeds.forEach((f) => f.abort());
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
await new Promise((r) => setTimeout(r, 300));

const logs = out.join('');
const afterLogin = logs.slice(printedBeforeUse);
const mails = readFileSync(`${DIR}/mails.jsonl`, 'utf8');
for (const [k, v] of Object.entries(seen)) writeFileSync(`${DIR}/seen-${k}.txt`, v);
writeFileSync(`${DIR}/server.log`, logs);
const forms = (v) => {
  const digits = v.replace(/[ .-]/g, '');
  return [...new Set([v, digits, v.replace(/ /g, '-')])];
};
const where = {
  'server stdout/stderr': logs,
  'OTLP spans': seen.otlp,
  'approval e-mails': mails,
  'webhook bodies': seen.webhook,
  "a viewer's live feed (SSE)": seen.sse,
  "a viewer's exports and views": seen.exports,
  'error answers': seen.errors,
};
console.log(
  `# sizes: ${Object.entries(where)
    .map(([k, v]) => `${k} ${v.length}`)
    .join(', ')}; mails ${mails.split('\n').filter(Boolean).length}`,
);
for (const [place, text] of Object.entries(where)) {
  for (const [name, value] of Object.entries(SECRETS)) {
    const hit = forms(value).find((f) => text.includes(f));
    const ctx = hit ? text.slice(Math.max(0, text.indexOf(hit) - 120), text.indexOf(hit) + 60) : '';
    // [low] An error answer quotes the agent name the caller itself sent ("This key may not act
    // for agent "4111 1111 1111 1111""): back to the sender only, never logged.
    const low = place === 'error answers' && /may not act for agent/.test(ctx);
    result(`${name} not in ${place}${low ? ' [low: echoed to its own sender]' : ''}`, !hit || low, hit ? JSON.stringify(ctx) : '');
  }
}
result('the login token is not in the logs after it was used', !afterLogin.includes(loginToken));
result('the session cookie is not in the logs, spans or exports', ![logs, seen.otlp, seen.exports].some((t) => session && t.includes(session)));
result('e-mails and webhooks were sent (the checks above saw something)', mails.length > 0 && seen.webhook.length > 0, `mails ${mails.length} B, webhook ${seen.webhook.length} B`);
result('spans were exported (the checks above saw something)', seen.otlp.length > 0, `${seen.otlp.length} B`);
result('the live feed delivered events', seen.sse.length > 100, `${seen.sse.length} B`);
stop();
process.exit(failures ? 1 : 0);
