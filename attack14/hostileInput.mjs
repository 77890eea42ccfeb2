/* global Buffer */
// Bad input on the paths this review covers — the approval links, the Slack callback, the login
// exchange, live feeds, the exports — answers 4xx (or a refusal page), never 5xx or a hang.
import { adminKey, raw, result } from './common.mjs';

const long = 'x'.repeat(100_000);
const tries = [
  ['GET', '/notify/decide'],
  ['GET', '/notify/decide?t='],
  ['GET', '/notify/decide?t[]=a&t[]=b'],
  ['GET', `/notify/decide?t=${long}`],
  ['GET', '/notify/decide?t=a.b.c'],
  ['GET', '/notify/decide?t=%E0%A4%A'],
  ['GET', `/notify/decide?t=${Buffer.from('{"a":1}').toString('base64url')}.x`],
  ['POST', '/notify/decide', { body: 't=a.b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
  ['POST', '/notify/decide', { body: JSON.stringify({ t: 'a.b' }) }],
  ['POST', '/notify/decide', { body: 't=' + long, headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
  ['POST', '/notify/decide', { body: 't[x]=1&t[y]=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
  ['POST', '/notify/slack/nope', { body: 'payload=%7B%7D', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
  ['POST', '/notify/slack/%00', { body: 'x' }],
  ['POST', '/notify/slack/..%2f..%2fapi', { body: 'x' }],
  ['POST', '/notify/slack/' + 'a'.repeat(5000), { body: 'x' }],
  ['POST', '/notify/slack/x', { body: long + long + long, headers: { 'x-slack-request-timestamp': '1', 'x-slack-signature': 'v0=1' } }],
  ['POST', '/trpc/auth.login', { body: '{"token":' + '['.repeat(5000) + '}' }],
  ['POST', '/trpc/auth.login', { body: JSON.stringify({ token: { $ne: null } }) }],
  ['POST', '/trpc/auth.login', { body: JSON.stringify({ key: 'aegis_' + '\u0000'.repeat(10) }) }],
  ['POST', '/trpc/auth.login?batch=1', { body: JSON.stringify({ 0: { token: 'x' }, 1: { token: 'y' } }) }],
  ['POST', '/trpc/auth.logout', { body: '' }],
  ['GET', '/trpc/audit.onEntry?input=' + encodeURIComponent(JSON.stringify({ lastEventId: '1e400' })), { key: adminKey, timeoutMs: 3000 }],
  ['GET', '/trpc/audit.onEntry?input=' + encodeURIComponent(JSON.stringify({ lastEventId: '-9007199254740993' })), { key: adminKey, timeoutMs: 3000 }],
  ['GET', '/trpc/changes.onChange?input=' + encodeURIComponent(JSON.stringify({ lastEventId: '99999999999999999999-zz' })), { key: adminKey, timeoutMs: 3000 }],
  ['GET', '/trpc/changes.onChange', { key: adminKey, headers: { 'last-event-id': 'x'.repeat(10000) }, timeoutMs: 3000 }],
  ['GET', '/export/report?format=csv&agents=' + encodeURIComponent('a,'.repeat(3000)), { key: adminKey }],
  ['GET', '/export/report?format=md&from=2026-01-01&to=2026-01-01', { key: adminKey }],
  ['GET', '/export/report?format=pdf&agents=', { key: adminKey }],
  ['GET', '/api/agents/%E0%A4%A/manifest', { key: adminKey }],
  ['GET', '/api/agents/x/manifest/export?format=' + long.slice(0, 3000), { key: adminKey }],
];
for (const [method, path, opts = {}] of tries) {
  const r = await raw(method, path, { timeoutMs: 15000, ...opts });
  // A live feed that stays open (status 200, cut by our timeout) is fine; a 5xx or a reset is not.
  const ok = (r.status >= 200 && r.status < 500) || (r.status === 0 && opts.timeoutMs === 3000);
  result(`${method} ${path.slice(0, 90)} → ${r.status || 'open/cut'}`, ok, r.status >= 500 || r.status === 0 ? r.text.slice(0, 200) : '');
}
