/* global console, process, setTimeout, fetch, AbortSignal */
// With AEGIS_MAX_ARGS_BYTES raised to its 4 MiB maximum (starts its own server, port 41010, data
// /tmp/attack16/big): concurrent decisions whose entries land in one group commit. Through the
// driver an insert is split by the store's 48 MB message limit; straight into the in-process
// store it was sent whole, and a group over 48 MB failed: every caller in it answered 500.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createAegis } from '../sdk/dist/index.js';

const PORT = 41010;
const URL_ = `http://127.0.0.1:${PORT}`;
const DIR = '/tmp/attack16/big';
const N = Number(process.env.N ?? 24);
rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true, mode: 0o700 });
let failures = 0;
function result(name, held, detail) {
  if (!held) failures++;
  console.log(`${held ? 'HELD  ' : 'BROKEN'}  ${name}${detail ? ` — ${detail}` : ''}`);
}
const out = [];
const server = spawn(process.execPath, ['server/dist/index.js'], {
  env: { ...process.env, PORT: String(PORT), AEGIS_DATA_DIR: `${DIR}/d`, AEGIS_PUBLIC_URL: URL_, AEGIS_MAX_ARGS_BYTES: String(4 * 1024 * 1024) },
  stdio: ['ignore', 'pipe', 'pipe'],
});
server.stdout.on('data', (c) => out.push(c.toString()));
server.stderr.on('data', (c) => out.push(c.toString()));
process.on('exit', () => server.kill('SIGTERM'));
for (let i = 0; i < 120 && !out.join('').includes('Aegis is listening'); i++) await new Promise((r) => setTimeout(r, 500));
const adminKey = readFileSync(`${DIR}/d/admin.key`, 'utf8').trim();
const admin = createAegis({ url: URL_, apiKey: adminKey }).api;
const agent = 'big';
await admin.sdk.registerAgent.mutate({ name: agent, allows: [] });
await admin.policies.applyRules.mutate({ yaml: `kind: AgentPolicy\nagent: ${agent}\ndefault: ALLOW\nrules: []\n` });
const { key } = await admin.keys.create.mutate({ name: 'k-big', role: 'agent', agents: [agent] });
const body = (i) => JSON.stringify({ agent, action: 'big', args: { i, pad: 'y'.repeat(4 * 1024 * 1024 - 200) } });
const answers = await Promise.all(
  Array.from({ length: N }, (_, i) =>
    fetch(`${URL_}/trpc/sdk.decide`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body(i), signal: AbortSignal.timeout(300_000) }).then(
      async (r) => ({ status: r.status, text: (await r.text()).slice(0, 200) }),
      (e) => ({ status: 0, text: String(e) }),
    ),
  ),
);
const by = {};
for (const a of answers) by[a.status] = (by[a.status] ?? 0) + 1;
console.log(`NOTE ${N} decisions with 4 MiB arguments: ${JSON.stringify(by)}`);
const bad = answers.filter((a) => a.status >= 500 || a.status === 0);
result(`${N} concurrent decisions with 4 MiB arguments (the configured limit): none answered 5xx`, bad.length === 0, bad[0]?.text);
const errs = out.join('').split('\n').filter((l) => /"level":5/.test(l)).map((l) => JSON.parse(l).err?.message ?? l).slice(0, 3);
if (errs.length) console.log('NOTE server errors:', errs.join(' | ').slice(0, 400));
const v = await admin.audit.verify.query({}).then((x) => x.ok, (e) => e.message);
result('audit verify passes', v === true, String(v));
server.kill('SIGTERM');
process.exit(failures ? 1 : 0);
