/* global process, console, fetch, setTimeout, AbortController, Buffer */
// Cookie sessions and live streams: CSRF on cookie-authenticated writes, a live feed after logout
// and after its key is revoked, many live feeds under one key.
import { adminKey, client, keyOf, raw, result, URL_ } from './common.mjs';

const admin = client().api;
await admin.sdk.registerAgent.mutate({ name: 'sess', allows: ['read'] });

async function login(key) {
  const r = await raw('POST', '/trpc/auth.login', { body: JSON.stringify({ key }) });
  const c = r.headers.getSetCookie?.() ?? [];
  const session = /aegis_session=([^;]+)/.exec(c.join(';'))?.[1];
  const csrf = /aegis_csrf=([^;]+)/.exec(c.join(';'))?.[1];
  return { session, csrf, cookie: `aegis_session=${session}; aegis_csrf=${csrf}` };
}

// ---- CSRF ------------------------------------------------------------------------------------
const s = await login(adminKey);
const write = (headers, body = JSON.stringify({ name: 'csrf-probe', role: 'viewer', agents: null })) =>
  raw('POST', '/trpc/keys.create', { headers: { cookie: s.cookie, ...headers }, body });
for (const [what, headers] of [
  ['no CSRF header', {}],
  ['a wrong CSRF header', { 'x-aegis-csrf': 'x'.repeat(43) }],
  ['text/plain (a cross-site form)', { 'content-type': 'text/plain' }],
  ['form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }],
  ['another origin, right token', { 'x-aegis-csrf': s.csrf, origin: 'https://evil.example' }],
]) {
  const r = await write(headers);
  result(`a cookie-authenticated write with ${what} is refused`, r.status >= 400 && r.status < 500, `${r.status} ${r.text.slice(0, 120)}`);
}
const ok = await write({ 'x-aegis-csrf': s.csrf });
result('the same write with the CSRF header works (the checks above are meaningful)', ok.status === 200, `${ok.status}`);
const getWrite = await raw('GET', `/trpc/keys.create?input=${encodeURIComponent(JSON.stringify({ name: 'g', role: 'admin', agents: null }))}`, {
  headers: { cookie: s.cookie },
});
result('a mutation over GET (a link or <img>) is refused', getWrite.status >= 400 && getWrite.status < 500, `${getWrite.status}`);
for (const [p, body] of [
  ['/api/agents/sess/toggle', JSON.stringify({ status: 'PAUSED' })],
  ['/api/policy-documents/apply', JSON.stringify({ yaml: 'kind: AgentPolicy\nagent: sess\nrules: []\n' })],
]) {
  const r = await raw('POST', p, { headers: { cookie: s.cookie }, body });
  result(`REST ${p} with the session cookie and no CSRF header is refused`, r.status >= 400 && r.status < 500, `${r.status}`);
}

// ---- live feeds after logout and revocation ---------------------------------------------------
function openFeed(headers, input = {}) {
  const state = { text: '', ended: false, status: 0 };
  const ac = new AbortController();
  fetch(`${URL_}/trpc/audit.onEntry?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal })
    .then(async (res) => {
      state.status = res.status;
      for await (const c of res.body) state.text += Buffer.from(c).toString();
      state.ended = true;
    })
    .catch(() => (state.ended = true));
  state.close = () => ac.abort();
  return state;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const poke = (n) => admin.sdk.decide.mutate({ agent: 'sess', action: 'read', args: { marker: n } });

const s2 = await login(adminKey);
const f1 = openFeed({ cookie: s2.cookie });
await sleep(500);
await poke('before-logout');
await sleep(500);
const out = await raw('POST', '/trpc/auth.logout?batch=1', { headers: { cookie: s2.cookie, 'x-aegis-csrf': s2.csrf }, body: '{}' });
const after = await raw('GET', '/trpc/health.whoami', { headers: { cookie: s2.cookie } });
console.log(`# logout ${out.status} ${out.text.slice(0, 100)}; whoami with the old cookie: ${after.status} ${after.text.slice(0, 100)}`);
await sleep(1500);
await poke('after-logout');
await sleep(1000);
result('a live feed opened with a session sees nothing after logout', f1.text.includes('before-logout') && !f1.text.includes('after-logout'), `saw before: ${f1.text.includes('before-logout')}, after: ${f1.text.includes('after-logout')}, ended: ${f1.ended}`);
f1.close();

const v = await keyOf('viewer');
const f2 = openFeed({ authorization: `Bearer ${v.key}` });
await sleep(500);
await poke('before-revoke');
await sleep(500);
await admin.keys.revoke.mutate({ id: v.id });
await sleep(1500);
await poke('after-revoke');
await sleep(1000);
result("a viewer's live feed sees nothing after its key is revoked", f2.text.includes('before-revoke') && !f2.text.includes('after-revoke'), `saw before: ${f2.text.includes('before-revoke')}, after: ${f2.text.includes('after-revoke')}, ended: ${f2.ended}`);
f2.close();

// ---- many live feeds under one key -----------------------------------------------------------
const a = await keyOf('viewer');
const feeds = Array.from({ length: 60 }, () => openFeed({ authorization: `Bearer ${a.key}` }));
await sleep(3000);
const statuses = feeds.map((f) => f.status);
console.log(`# first feed: ${feeds[0].text.slice(0, 200)}`);
const open = statuses.filter((x) => x === 200).length;
const refused = statuses.filter((x) => x === 429).length;
result('one key cannot hold an unbounded number of live feeds', open < 60 && refused > 0, `${open} open, ${refused} refused (429), others ${statuses.filter((x) => x !== 200 && x !== 429).join(',')}`);
const other = openFeed({ authorization: `Bearer ${adminKey}` });
await sleep(1000);
result("another key's feed still opens meanwhile", other.status === 200, `${other.status}`);
feeds.forEach((f) => f.close());
other.close();
process.exit();
