/* global console, setTimeout */
// Webhook and Slack channel URLs are an admin's to set, so the server POSTs where it is told
// (by design; see README "Get approvals in chat and e-mail"). What must hold: a redirect is not
// followed (a public URL can't bounce the POST to an internal one), the answer's body never
// reaches the deliveries log, and a viewer/reviewer/agent key can't add or read channels.
import { createServer } from 'node:http';
import { client, keyOf, result, tag } from './common.mjs';

const PORT = 41007;
const hits = [];
const sink = createServer((req, res) => {
  hits.push(req.url);
  if (req.url.startsWith('/redirect')) {
    res.writeHead(307, { location: `http://127.0.0.1:${PORT}/internal-target` });
    return res.end();
  }
  res.writeHead(500, { 'content-type': 'text/plain' });
  res.end('INTERNAL-SECRET-BODY aws_secret=abc');
}).listen(PORT, '127.0.0.1');
const api = client().api;
const t = tag();
await api.channels.create.mutate({ name: `r-${t}`, kind: 'webhook', url: `http://127.0.0.1:${PORT}/redirect` });
await api.channels.create.mutate({ name: `b-${t}`, kind: 'slack', url: `http://127.0.0.1:${PORT}/body` });
await api.channels.create.mutate({ name: `c-${t}`, kind: 'webhook', url: 'http://127.0.0.1:41049/closed' });
for (const n of [`r-${t}`, `b-${t}`, `c-${t}`]) await api.channels.test.mutate({ name: n });
await new Promise((r) => setTimeout(r, 4000));
result('a 307 from the webhook is not followed', !hits.includes('/internal-target'), JSON.stringify(hits));
const deliveries = [];
for (const n of [`r-${t}`, `b-${t}`, `c-${t}`]) deliveries.push(...(await api.channels.deliveries.query({ channel: n })));
const text = JSON.stringify(deliveries);
console.log('NOTE deliveries errors:', deliveries.map((d) => d.lastError ?? d.error ?? d.status).join(' | ').slice(0, 400));
result("the target's answer body is not in the deliveries log", !text.includes('INTERNAL-SECRET-BODY'));
for (const role of ['viewer', 'reviewer', 'agent']) {
  const { key } = await keyOf(role, role === 'agent' ? ['wt-agent'] : null);
  const r = await client(key)
    .api.channels.create.mutate({ name: `x-${role}-${t}`, kind: 'webhook', url: 'http://169.254.169.254/latest' })
    .then(() => 'created', (e) => e.data?.code);
  const l = await client(key).api.channels.list.query().then(() => 'listed', (e) => e.data?.code);
  result(`a ${role} key can't add a channel (${r}) or list them (${l})`, r === 'FORBIDDEN' && l === 'FORBIDDEN');
}
sink.close();
