/* global process, console, setTimeout */
// Attack: arguments just past the DLP scan's 1 MiB cap, on a server whose operator raised
// AEGIS_MAX_ARGS_BYTES to 2 MiB (starts its own, port 41020, data /tmp/attack13/big): a card
// after 1 MiB of padding, under a BLOCK, a REDACT and a REVIEW rule over `dlp`. The scan stops
// at the cap; a rule that found nothing there must not count it as "no card".
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createAegis } from '../sdk/dist/index.js';

const PORT = 41020;
const URL_ = `http://127.0.0.1:${PORT}`;
const DIR = '/tmp/attack13/big';
rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true, mode: 0o700 });
let failures = 0;
function result(name, held, detail) {
  if (!held) failures++;
  console.log(`${held ? 'HELD  ' : 'BROKEN'}  ${name}${detail ? ` — ${detail}` : ''}`);
}
const out = [];
const server = spawn(process.execPath, ['server/dist/index.js'], {
  env: { ...process.env, PORT: String(PORT), AEGIS_DATA_DIR: `${DIR}/d`, AEGIS_PUBLIC_URL: URL_, AEGIS_MAX_ARGS_BYTES: String(2 * 1024 * 1024) },
  stdio: ['ignore', 'pipe', 'pipe'],
});
server.stdout.on('data', (c) => out.push(c.toString()));
server.stderr.on('data', (c) => out.push(c.toString()));
process.on('exit', () => server.kill('SIGTERM'));
for (let i = 0; i < 120 && !out.join('').includes('Aegis is listening'); i++) await new Promise((r) => setTimeout(r, 500));
const admin = createAegis({ url: URL_, apiKey: readFileSync(`${DIR}/d/admin.key`, 'utf8').trim() }).api;
const agent = 'big';
await admin.sdk.registerAgent.mutate({ name: agent, allows: [] });
await admin.policies.applyRules.mutate({
  yaml: `kind: AgentPolicy
agent: ${agent}
default: ALLOW
rules:
  - id: no-cards
    actions: [send]
    when: dlp.found('card')
    effect: BLOCK
  - id: mask-cards
    actions: [pay]
    when: dlp.found('card')
    effect: REDACT
  - id: hold-cards
    actions: [export]
    when: dlp.found('card')
    effect: REVIEW
`,
});
const { key } = await admin.keys.create.mutate({ name: 'k-big', role: 'agent', agents: [agent] });
const me = createAegis({ url: URL_, apiKey: key }).api;
const args = { pad: 'x'.repeat(1024 * 1024 + 16), body: '4111 1111 1111 1111' };
for (const [action, want] of [
  ['send', 'BLOCKED'],
  ['pay', 'REVIEW'],
  ['export', 'REVIEW'],
]) {
  const d = await me.sdk.decide.mutate({ agent, action, args }).catch((e) => ({ verdict: `refused: ${e.message.slice(0, 80)}` }));
  const leaked = JSON.stringify(d).includes('4111 1111 1111 1111');
  result(`${action}: a card past the 1 MiB scan cap is not let through unseen`, d.verdict === want && !leaked, `${d.verdict} (${d.reason ?? ''})`.slice(0, 200));
}
const entries = JSON.stringify((await admin.audit.list.query({ agent, limit: 20 })).entries);
result('the audit previews do not show the unscanned card', !entries.includes('4111 1111 1111 1111'));
server.kill('SIGTERM');
process.exit(failures ? 1 : 0);
