/* global process, setTimeout, URL */
// Attack on `aegis proxy http` (the real CLI, a real upstream): a query parameter or form field
// given twice (`?to=ok&to=evil`) reached policy as a list, which a BLOCK written on the value
// (`args.query.to == "evil"`) does not match, while the upstream reads one of the values.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { client, result, URL_ } from './common.mjs';

const UPSTREAM = 8303;
const PROXY = 8302;
const seen = [];
const upstream = http
  .createServer((req, res) => {
    seen.push(req.url);
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        ok: true,
        to: new URL(req.url, 'http://x').searchParams.getAll('to').at(-1),
      }),
    );
  })
  .listen(UPSTREAM, '127.0.0.1');

const api = client().api;
const tag = Date.now().toString(36);
const agent = `PBot${tag}`;
await api.sdk.registerAgent.mutate({ name: agent, allows: ['read'] });
await api.policies.applyRules.mutate({
  yaml: `
kind: AgentPolicy
agent: ${agent}
rules:
  - id: no-evil
    actions: [payments.payees]
    when: args.query.to == "evil"
    effect: BLOCK
  - id: payees
    actions: [payments.payees]
    effect: ALLOW
`,
});
const key = (await api.keys.create.mutate({ name: `pk-${tag}`, role: 'agent', agents: [agent] }))
  .key;
const config = `/tmp/attack9-scratch/proxy-${tag}.yaml`;
writeFileSync(
  config,
  `agent: ${agent}\nlisten: { host: 127.0.0.1, port: ${PROXY} }\nroutes:\n  - host: 127.0.0.1:${UPSTREAM}\n    endpoints:\n      - { method: GET, path: /v1/payees, action: payments.payees }\n`,
);
const proxy = spawn(
  process.execPath,
  ['sdk/dist/cli/main.js', 'proxy', 'http', '--config', config, '--url', URL_, '--key', key],
  {
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
await new Promise((resolve) => {
  proxy.stdout.on('data', resolve);
  proxy.stderr.on('data', resolve);
  setTimeout(resolve, 5000);
});

const viaProxy = (path) =>
  new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: '127.0.0.1',
        port: PROXY,
        method: 'GET',
        path: `http://127.0.0.1:${UPSTREAM}${path}`,
        agent: false,
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      },
    );
    r.on('error', reject);
    r.end();
  });

const once = await viaProxy('/v1/payees?to=evil');
result('?to=evil is blocked', once.status === 403, `${once.status} ${once.text.slice(0, 100)}`);
const before = seen.length;
const twice = await viaProxy('/v1/payees?to=ok&to=evil');
result(
  '?to=ok&to=evil never reaches the upstream',
  seen.length === before,
  `${twice.status} ${twice.text.slice(0, 160)}`,
);
proxy.kill();
upstream.close();
process.exit(0);
