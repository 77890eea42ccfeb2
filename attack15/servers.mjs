/* global console, process, setTimeout, clearTimeout */
// Several servers: the target runs `--workers 2` (Linux's cluster hands connections round robin,
// so a run of fresh connections reaches both). The kill-switch, a revoked key and "sign out
// everywhere" must hold on every worker at once; an approval is used once whatever worker each
// racing caller reaches; a second server on the same data directory is refused.
import { spawn } from 'node:child_process';
import { client, DATA, keyOf, raw, result, tag } from './common.mjs';

const admin = client().api;
const agent = `sv${tag()}`;
await admin.sdk.registerAgent.mutate({ name: agent, allows: ['read'], reviews: ['pay'] });
const { key } = await keyOf('agent', [agent]);
// A fresh connection per request (no keep-alive) so the calls spread over the workers.
const decideRaw = (action = 'read', args = {}, k = key) =>
  raw('POST', '/trpc/sdk.decide', { key: k, body: JSON.stringify({ agent, action, args }), headers: { connection: 'close' } });
const verdict = (r) => {
  try {
    return JSON.parse(r.text).result.data.verdict;
  } catch {
    return `${r.status}`;
  }
};

await admin.agents.setStatus.mutate({ name: agent, status: 'PAUSED', reason: 'attack15' });
const paused = await Promise.all(Array.from({ length: 20 }, () => decideRaw()));
result('kill-switch: 20 calls right after pausing (both workers) are all KILLED', paused.every((r) => verdict(r) === 'KILLED'), paused.map(verdict).join(','));
await admin.agents.setStatus.mutate({ name: agent, status: 'ACTIVE' });
const back = await Promise.all(Array.from({ length: 10 }, () => decideRaw()));
result('revived: every worker allows again', back.every((r) => verdict(r) === 'ALLOWED'), back.map(verdict).join(','));

// A revoked key, on every worker.
const doomed = await keyOf('agent', [agent]);
const before = await Promise.all(Array.from({ length: 6 }, () => decideRaw('read', {}, doomed.key)));
await admin.keys.revoke.mutate({ id: doomed.id });
const after = await Promise.all(Array.from({ length: 20 }, () => decideRaw('read', {}, doomed.key)));
result('a revoked key is refused on every worker at once (20 calls)', after.every((r) => r.status === 401) && before.every((r) => r.status === 200), after.map((r) => r.status).join(','));

// One approval, 12 racing callers of the same call (spread over the workers): one runs.
const first = JSON.parse((await decideRaw('pay', { amount: 7 })).text).result.data;
await admin.approvals.decide.mutate({ id: first.approvalId, decision: 'APPROVED' });
const racing = await Promise.all(Array.from({ length: 12 }, () => decideRaw('pay', { amount: 7 })));
const ran = racing.filter((r) => verdict(r) === 'ALLOWED').length;
result('an approval is used once by 12 racing callers on two workers', ran === 1, racing.map(verdict).join(','));

// Sign out everywhere: a session opened through one worker ends on both.
const viewer = await keyOf('viewer');
const login = await raw('POST', '/trpc/auth.login', { body: JSON.stringify({ key: viewer.key }), headers: { connection: 'close' } });
const cookies = (login.headers?.getSetCookie?.() ?? []).map((c) => c.split(';')[0]);
if (login.status !== 200 || cookies.length === 0) console.log(`NOTE login answered ${login.status}; session part skipped`);
else {
  const cookie = cookies.join('; ');
  const csrf = cookies.find((c) => c.startsWith('aegis_csrf='))?.split('=')[1] ?? '';
  const read = () => raw('GET', `/trpc/audit.list?input=${encodeURIComponent(JSON.stringify({ limit: 1 }))}`, { headers: { cookie, connection: 'close' } });
  const open = await Promise.all(Array.from({ length: 6 }, read));
  const out = await raw('POST', '/trpc/auth.logout', { key: viewer.key, body: JSON.stringify({ everywhere: true }), headers: { connection: 'close' } });
  const closed = await Promise.all(Array.from({ length: 12 }, read));
  result('sign out everywhere (with the key): the session is refused on every worker', open.every((r) => r.status === 200) && closed.every((r) => r.status === 401), `before ${open.map((r) => r.status)}; logout ${out.status}; after ${closed.map((r) => r.status)} ${csrf ? '' : '(no csrf cookie)'}`);
}

// A second server process on the same data directory.
const second = spawn(process.execPath, ['server/dist/index.js'], {
  env: { ...process.env, PORT: '41040', AEGIS_DATA_DIR: DATA },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let out = '';
second.stdout.on('data', (d) => (out += d));
second.stderr.on('data', (d) => (out += d));
const code = await new Promise((resolve) => {
  const timer = setTimeout(() => {
    second.kill();
    resolve('still running after 20 s');
  }, 20_000);
  second.on('exit', (c) => {
    clearTimeout(timer);
    resolve(c);
  });
});
result('a second server on the same data directory refuses to start', code !== 'still running after 20 s' && code !== 0, `${code}: ${out.split('\n').filter((l) => /another|refus|using/i.test(l))[0]?.slice(0, 200) ?? out.slice(0, 200)}`);
