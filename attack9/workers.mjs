/* global process, console, Buffer, URL, URLSearchParams */
// Attack on `--workers 2`: every request on a fresh connection (node:cluster spreads connections
// over the workers). A one-time login token raced on both workers; a key used right after it is
// revoked on the other one; a dashboard session after logout; one e-mail link raced by its person.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { client, mails, result, URL_, waitMails } from './common.mjs';

const { hostname, port } = new URL(URL_);
function req(method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: hostname,
        port,
        method,
        path,
        agent: false,
        headers: { ...headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}
const trpcPost = (proc, input, headers = {}) =>
  req('POST', `/trpc/${proc}`, {
    headers: { 'content-type': 'application/json', ...headers },
    body: input === undefined ? '{}' : JSON.stringify(input),
  });

const api = client().api;
const tag = Date.now().toString(36);

// 2. revoke a key on one worker, use it at once on fresh connections
{
  const created = await api.keys.create.mutate({ name: `rv-${tag}`, role: 'viewer' });
  // warm both workers' key caches
  await Promise.all(
    Array.from({ length: 6 }, () =>
      req('GET', '/trpc/agents.list', { headers: { authorization: `Bearer ${created.key}` } }),
    ),
  );
  await api.keys.revoke.mutate({ id: created.info.id });
  const after = await Promise.all(
    Array.from({ length: 10 }, () =>
      req('GET', '/trpc/agents.list', { headers: { authorization: `Bearer ${created.key}` } }),
    ),
  );
  const passed = after.filter((r) => r.status === 200).length;
  result(
    'revoked key refused on every worker right after revoke returns',
    passed === 0,
    `${passed}/10 still answered 200`,
  );
}

// 3. session: log in with a viewer key, log out, reuse the cookie on fresh connections
{
  const created = await api.keys.create.mutate({ name: `sv-${tag}`, role: 'viewer' });
  const login = await trpcPost('auth.login', { key: created.key });
  const cookies = (login.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]);
  const cookie = cookies.join('; ');
  const csrf = cookies.find((c) => c.startsWith('aegis_csrf='))?.split('=')[1];
  await Promise.all(
    Array.from({ length: 6 }, () => req('GET', '/trpc/agents.list', { headers: { cookie } })),
  );
  const out = await trpcPost(
    'auth.logout?batch=1',
    {},
    { cookie, 'x-aegis-csrf': csrf, origin: URL_ },
  );
  if (out.status !== 200)
    console.log(
      'logout:',
      out.status,
      out.text.slice(0, 300),
      'login:',
      login.status,
      login.text.slice(0, 200),
    );
  const after = await Promise.all(
    Array.from({ length: 10 }, () => req('GET', '/trpc/agents.list', { headers: { cookie } })),
  );
  const passed = after.filter((r) => r.status === 200).length;
  result(
    'session refused on every worker right after logout',
    out.status === 200 && passed === 0,
    `logout ${out.status}; ${passed}/10 still 200`,
  );
}

// 4. one e-mail link raced by its person on both workers
{
  const chan = `race-${tag}`;
  const agent = `RBot${tag}`;
  await api.channels.create.mutate({ name: chan, kind: 'email', to: ['rosa@example.com'] });
  await api.sdk.registerAgent.mutate({ name: agent, allows: ['read'] });
  await api.policies.applyRules.mutate({
    yaml: `\nkind: AgentPolicy\nagent: ${agent}\nrules:\n  - id: r\n    actions: [wire]\n    effect: REVIEW\n    notify: [${chan}]\n    approval:\n      quorum: 2\n`,
  });
  const before = mails().length;
  const d = await api.sdk.decide.mutate({ agent, action: 'wire', args: { n: 1 } });
  const got = (await waitMails(before + 1))
    .slice(before)
    .find((m) => m.subject.includes(`#${d.approvalId})`));
  const t = new URL(/Approve: (\S+)/.exec(got.text)[1]).searchParams.get('t');
  const body = new URLSearchParams({ t }).toString();
  const answers = await Promise.all(
    Array.from({ length: 12 }, () =>
      req('POST', '/notify/decide', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }),
    ),
  );
  const st = await api.approvals.byId.query({ id: d.approvalId });
  result(
    'e-mail link raced on both workers: one vote',
    st.status === 'PENDING' && st.votes.length === 1,
    `${answers.filter((a) => a.status === 200).length} × 200; ${st.status}; votes ${st.votes?.length}`,
  );
}
// last: 19 failed logins use up this IP's login allowance on both workers for a minute
if (process.env.RACE_LOGIN) {
  // 1. one login token, 20 racers on fresh connections
  const log = readFileSync('/tmp/attack9-scratch/s1.log', 'utf8');
  const tokens = [...log.matchAll(/login\?token=(\S+)/g)].map((m) => m[1]);
  const token = process.env.LOGIN_TOKEN ?? tokens.at(-1);
  const logins = await Promise.all(
    Array.from({ length: 20 }, () => trpcPost('auth.login', { token })),
  );
  const okLogins = logins.filter((r) => r.status === 200);
  result(
    'login token raced on both workers: used once',
    okLogins.length <= 1,
    `${okLogins.length} sessions, statuses ${[...new Set(logins.map((r) => r.status))]}`,
  );
}
process.exit(0);
