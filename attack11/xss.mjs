/* global process, console, window, document, URL */
// Stored XSS in the dashboard, in Debian's Chromium (playwright-core): hostile markup in every
// free-text field an agent, a reviewer or an admin can write — arguments (values and keys),
// reasons, policy text, approval comments, key names, owners, descriptions, labels, tool
// descriptions and schemas, log details, outcomes, acknowledgements — then every page that shows
// them. HELD when no payload ran (no marker set, no dialog) and nothing violated the CSP.
// Also the response headers: CSP, frame-ancestors, cookie flags.
import { chromium } from 'playwright-core';
import { adminKey, client, keyOf, raw, result, tag, URL_ } from './common.mjs';

const admin = client().api;
const t = tag();
const agent = `xss${t}`;
const P = (n) => [
  `<img src=x onerror="window.__xss='${n}'">`,
  `<script>window.__xss='${n}'</script>`,
  `"><svg onload="window.__xss='${n}'">`,
  `javascript:window.__xss='${n}'`,
  `{{constructor.constructor("window.__xss='${n}'")()}}`,
  `<a href="javascript:window.__xss='${n}'">click</a>`,
];
const all = (n) => P(n).join(' ');

await admin.sdk.registerAgent.mutate({
  name: agent,
  owner: P('owner').slice(0, 2).join(' ').slice(0, 200),
  description: all('description'),
  allows: ['read'],
  review: ['pay'],
  labels: { team: P('label')[0].slice(0, 60) },
}).catch(async (e) => {
  console.log(`# registerAgent with labels refused (${e.message.replace(/\s+/g, ' ').slice(0, 160)}); without labels`);
  await admin.sdk.registerAgent.mutate({ name: agent, owner: P('owner')[0], description: all('description'), allows: ['read'], review: ['pay'] });
});
await admin.policies.applyRules.mutate({
  message: all('message'),
  yaml: `kind: AgentPolicy\nagent: ${agent}\n# ${all('comment')}\nrules:\n  - id: reads\n    actions: [read]\n    effect: ALLOW\n  - id: pays\n    actions: [pay]\n    effect: REVIEW\n    reason: ${JSON.stringify(`held: ${all('reason')} {{ args.note }}`)}\n`,
});
const agentKey = (await keyOf('agent', [agent])).key;
const ag = client(agentKey).api;
await ag.manifests.declareTools
  .mutate({ agent, tools: [{ name: 'read', description: all('tooldesc'), argsSchema: { type: 'object', properties: { [P('schemakey')[0]]: { type: 'string', description: all('schemadesc') } } }, tags: ['pii'] }] })
  .catch((e) => console.log(`# declareTools: ${e.message.slice(0, 120)}`));
const args = { note: all('argvalue'), [P('argkey')[0]]: all('argkey2'), nested: { deep: [all('argdeep')] } };
const d = await ag.sdk.decide.mutate({ agent, action: 'read', args });
await ag.sdk.complete.mutate({ callId: d.callId, outcome: 'error', durationMs: 5, error: all('outcome') }).catch(() => {});
await ag.sdk.log.mutate({ agent, action: 'read', status: 'ERROR', details: all('details') });
const pending = await ag.sdk.decide.mutate({ agent, action: 'pay', args });
const pending2 = await ag.sdk.decide.mutate({ agent, action: 'pay', args: { ...args, n: 2 } });
await admin.approvals.decide.mutate({ id: pending.approvalId, decision: 'DENIED', comment: all('comment') });
await admin.keys.create.mutate({ name: P('keyname')[0].slice(0, 100), role: 'viewer', agents: null });
await admin.governance.acknowledge
  .mutate({ key: P('ackkey')[0], reason: all('ackreason'), expiresInDays: 1 })
  .catch((e) => console.log(`# acknowledge: ${e.message.slice(0, 100)}`));
void pending2;

// ---- headers -------------------------------------------------------------------------------
const home = await raw('GET', '/');
const csp = home.headers.get('content-security-policy') ?? '';
result("the dashboard's CSP allows no inline script and no framing", /script-src 'self'(;|$)/.test(csp) && /frame-ancestors 'none'/.test(csp) && !/unsafe-eval/.test(csp), csp);
const login = await raw('POST', '/trpc/auth.login', { body: JSON.stringify({ key: adminKey }) });
const cookies = login.headers.getSetCookie();
result('the session cookie is HttpOnly and SameSite=Strict', cookies.some((c) => c.startsWith('aegis_session=') && /HttpOnly/.test(c) && /SameSite=Strict/.test(c)), cookies.map((c) => c.replace(/=[^;]+/, '=…')).join(' | '));
for (const p of ['/export/audit?format=csv', '/api/openapi.json', '/api/docs']) {
  const r = await raw('GET', p, { key: adminKey });
  result(`${p} has nosniff and a CSP or a non-HTML type`, r.headers.get('x-content-type-options') === 'nosniff' && (!!r.headers.get('content-security-policy') || !/html/.test(r.headers.get('content-type') ?? '')), `${r.status} ${r.headers.get('content-type')}`);
}

// ---- the browser -----------------------------------------------------------------------------
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const ctx = await browser.newContext();
const u = new URL(URL_);
await ctx.addCookies(
  cookies.map((c) => {
    const [nv] = c.split(';');
    const [name, ...v] = nv.split('=');
    return { name, value: v.join('='), domain: u.hostname, path: '/', sameSite: 'Strict', httpOnly: name === 'aegis_session' };
  }),
);
const fired = [];
const violations = [];
await ctx.addInitScript(() => {
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp = (window.__csp ?? []).concat(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
  });
});
const page = await ctx.newPage();
page.on('dialog', (dlg) => {
  fired.push(`dialog ${dlg.message()}`);
  void dlg.dismiss();
});
const entries = (await admin.audit.list.query({ agent, limit: 50 })).entries;
const pages = [
  '/',
  '/agents',
  `/agents/${agent}`,
  `/activity?agent=${agent}`,
  '/activity',
  ...entries.map((e) => `/activity/${e.id}`),
  '/approvals',
  '/analytics',
  '/graph',
  '/rules',
  '/governance',
  '/keys',
];
for (const p of pages) {
  await page.goto(`${URL_}${p}`, { waitUntil: 'networkidle' }).catch(() => {});
  await page.waitForTimeout(400);
  // Open what a click would: every button whose label suggests details, the first few.
  for (const b of (await page.locator('button:visible').all()).slice(0, 12)) {
    const label = ((await b.textContent().catch(() => '')) ?? '').trim();
    if (/detail|show|view|expand|reveal|history|more|policy|document|yaml|args|argument/i.test(label)) {
      await b.click({ timeout: 1000 }).catch(() => {});
      await page.waitForTimeout(150);
    }
  }
  for (const a of (await page.locator('a[href^="javascript:" i]').all()).slice(0, 3)) fired.push(`javascript: link on ${p}: ${await a.getAttribute('href')}`);
  const state = await page.evaluate(() => ({ xss: window.__xss, csp: window.__csp ?? [] }));
  if (state.xss) fired.push(`${p}: ran payload "${state.xss}"`);
  for (const v of state.csp) violations.push(`${p}: ${v}`);
  const html = await page.content();
  if (/<img src="x" onerror=|<svg onload=|<script>window\.__xss/i.test(html)) fired.push(`${p}: payload present as markup`);
}
result(`no payload ran or became markup on ${pages.length} pages`, fired.length === 0, fired.slice(0, 5).join(' | '));
// The bundle's own feature test (zod checks whether `new Function` is allowed) is refused by the
// CSP on every page, the login page included: reported as "script-src eval" with no sample.
const ownEval = violations.filter((v) => / script-src eval\s*$/.test(v) || /: script-src eval eval/.test(v));
const other = violations.filter((v) => !ownEval.includes(v));
result('no CSP violation besides the bundle\'s own eval probe (nothing injected tried to run)', other.length === 0, `${other.slice(0, 5).join(' | ')} (own eval probe on ${ownEval.length} pages)`);
const text = await (async () => {
  await page.goto(`${URL_}/activity/${entries.at(-1).id}`, { waitUntil: 'networkidle' });
  return page.locator('body').innerText();
})();
result('the payloads are shown as text (the checks above saw them)', /onerror|__xss/.test(text), text.includes('__xss') ? 'seen as text' : text.slice(0, 200));
await browser.close();
process.exit();
