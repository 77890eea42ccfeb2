/* global process, console, fetch, setTimeout, AbortController, Buffer */
// Dashboard sessions: the one-time login link (reuse, after logout), the cookies (flags, a fixed
// session id sent in), what logout ends, CSRF on the login exchange and on writes from a
// same-site origin (another port), cookie tossing (two session cookies), live feeds after logout.
// SERVER_LOG=<the server's stdout> lets it use the start-up login link (only once per start).
import { readFileSync } from 'node:fs';
import { adminKey, client, keyOf, raw, result, URL_ } from './common.mjs';

const admin = client().api;
const cookiesOf = (r) => (r.headers?.getSetCookie?.() ?? []);
const pick = (cs, name) => new RegExp(`${name}=([^;]*)`).exec(cs.join('\n'))?.[1];
async function login(body, headers = {}) {
  const r = await raw('POST', '/trpc/auth.login', { body: JSON.stringify(body), headers });
  const cs = cookiesOf(r);
  const session = pick(cs, 'aegis_session');
  const csrf = pick(cs, 'aegis_csrf');
  return { r, cs, session, csrf, cookie: `aegis_session=${session}; aegis_csrf=${csrf}` };
}
const whoAmI = (cookie) =>
  raw('GET', `/trpc/audit.list?input=${encodeURIComponent(JSON.stringify({ limit: 1 }))}`, { headers: { cookie } });

const logout = (s) =>
  raw('POST', '/trpc/auth.logout?batch=1', { headers: { cookie: s.cookie, 'x-aegis-csrf': s.csrf }, body: '{}' });

// ---- the start-up login link -------------------------------------------------------------------
const log = process.env.SERVER_LOG ? readFileSync(process.env.SERVER_LOG, 'utf8') : '';
const token = [...log.matchAll(/login\?token=([A-Za-z0-9_-]+)/g)].at(-1)?.[1];
if (token) {
  const first = await login({ token });
  if (first.r.status === 200) {
    const again = await login({ token });
    result('a login link works once', again.r.status === 401, `${again.r.status}`);
    await logout(first);
    const afterLogout = await login({ token });
    result('a login link used and signed out of does not sign in again', afterLogout.r.status === 401, `${afterLogout.r.status}`);
  } else console.log(`NOTE    the start-up link was already used (${first.r.status}); restart the server for that part`);
  const both = await login({ token, key: adminKey });
  result('a token and a key together are refused', both.r.status === 401, `${both.r.status}`);
} else console.log('NOTE    no SERVER_LOG: the login-link checks are skipped');

// ---- cookies -----------------------------------------------------------------------------------
const viewer = await keyOf('viewer');
const s = await login({ key: viewer.key });
const sc = s.cs.find((c) => c.startsWith('aegis_session=')) ?? '';
result('the session cookie is HttpOnly and SameSite=Strict, Path=/', /HttpOnly/i.test(sc) && /SameSite=Strict/i.test(sc) && /Path=\//.test(sc), sc.replace(/=[^;]+/, '=…'));
const fixed = 'A'.repeat(43);
const fx = await login({ key: viewer.key }, { cookie: `aegis_session=${fixed}` });
result('a session id sent in (fixation) is never adopted', fx.session && fx.session !== fixed, '');
const fixedUse = await whoAmI(`aegis_session=${fixed}`);
result('…and the fixed id opens nothing', fixedUse.status === 401, `${fixedUse.status}`);
const agentKey = (await keyOf('agent', ['nobody'])).key;
const ag = await login({ key: agentKey });
result('an agent key opens no dashboard session', ag.r.status === 403 && !ag.session, `${ag.r.status}`);

// ---- login exchange from another origin (login CSRF) --------------------------------------------
for (const origin of ['https://evil.example', 'http://127.0.0.1:42049', 'null']) {
  const x = await login({ key: viewer.key }, { origin });
  result(`the login exchange from Origin ${origin} is refused (no session forced on a browser)`, x.r.status === 403 && !x.session, `${x.r.status}`);
}
const plain = await raw('POST', '/trpc/auth.login', { body: JSON.stringify({ key: viewer.key }), headers: { 'content-type': 'text/plain' } });
result('the login exchange as text/plain (a form) sets no cookie', !pick(cookiesOf(plain), 'aegis_session'), `${plain.status}`);

// ---- writes from a same-site origin (another port on this host) ---------------------------------
const a = await login({ key: adminKey });
const mk = (headers) =>
  raw('POST', '/trpc/keys.create', { headers: { cookie: a.cookie, ...headers }, body: JSON.stringify({ name: 'same-site', role: 'admin', agents: null }) });
const ss = await mk({ origin: 'http://127.0.0.1:42049', 'x-aegis-csrf': a.csrf });
result('a write from another port of this host (same site) is refused', ss.status === 403, `${ss.status}`);
// Cookie tossing: a sibling origin sets a second aegis_session (an attacker's own session) ahead of ours.
const attacker = await login({ key: viewer.key });
const tossed = await mk({ cookie: `aegis_session=${attacker.session}; ${a.cookie}`, 'x-aegis-csrf': a.csrf });
result('two session cookies: the tossed one does not pass with the victim\'s CSRF token', tossed.status === 403, `${tossed.status}`);

// ---- logout ------------------------------------------------------------------------------------
const t1 = await login({ key: viewer.key });
const t2 = await login({ key: viewer.key });
const out = await logout(t1);
const dead = await whoAmI(t1.cookie);
result('a signed-out session is refused', out.status === 200 && dead.status === 401, `${out.status} ${dead.status}`);
const other = await whoAmI(t2.cookie);
result('a plain logout ends only its own session', other.status === 200, `${other.status}`);
const csrfLogout = await raw('POST', '/trpc/auth.logout?batch=1', { headers: { cookie: t2.cookie }, body: '{}' });
result('logout without the CSRF header is refused (no forced sign-out)', csrfLogout.status === 403, `${csrfLogout.status}`);
await admin.keys.revoke.mutate({ id: viewer.id });
const afterRevoke = await whoAmI(t2.cookie);
result('revoking the key ends its every session', afterRevoke.status === 401, `${afterRevoke.status}`);
const relogin = await login({ key: viewer.key });
result('a revoked key opens no new session', relogin.r.status === 401, `${relogin.r.status}`);

// ---- a live feed with a session, stale cursor after logout --------------------------------------
const v2 = await keyOf('viewer');
const f = await login({ key: v2.key });
await logout(f);
const ac = new AbortController();
setTimeout(() => ac.abort(), 3000);
let text = '';
let status = 0;
try {
  const res = await fetch(`${URL_}/trpc/audit.onEntry?input=${encodeURIComponent(JSON.stringify({ lastEventId: '0' }))}`, {
    headers: { cookie: f.cookie, accept: 'text/event-stream' },
    signal: ac.signal,
  });
  status = res.status;
  for await (const c of res.body) text += Buffer.from(c).toString();
} catch { /* aborted */ }
result('a signed-out session reconnecting a live feed with a stale cursor gets nothing', !/"id":\d/.test(text) && !text.includes('"agent"'), `${status} ${text.slice(0, 160)}`);

// ---- sign out everywhere -----------------------------------------------------------------------
const v3 = await keyOf('viewer');
const [e1, e2] = [await login({ key: v3.key }), await login({ key: v3.key })];
const ev = await raw('POST', '/trpc/auth.logout', { headers: { cookie: e1.cookie, 'x-aegis-csrf': e1.csrf }, body: JSON.stringify({ everywhere: true }) });
const [d1, d2] = [await whoAmI(e1.cookie), await whoAmI(e2.cookie)];
result('signing out everywhere ends every session of the key (a browser left signed in elsewhere)', ev.status === 200 && d1.status === 401 && d2.status === 401, `${ev.status} ${ev.text.slice(0, 80)} → ${d1.status} ${d2.status}`);
