import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProxyConfig, proxyConfig } from '../../src/proxy/config';
import { startHttpProxy, type HttpProxy } from '../../src/proxy/server';
import { agentKey } from '../mcp/helpers';
import { uniqueAgent, useSdkServer, watchFor } from '../helpers/server';

// `aegis proxy http` with a real Aegis server, a real upstream REST service on loopback and
// requests made the way proxy-aware HTTP clients make them (absolute URL to the proxy).

const t = useSdkServer();
let upstream: Server;
let upstreamHost: string;
let proxy: HttpProxy;
let agent: string;
/** What the upstream received, in order: method, path and body. */
const received: Array<{ method: string; url: string; body: string }> = [];
/** The headers of each request the upstream received, in the same order. */
const receivedHeaders: IncomingMessage['headers'][] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', body });
      receivedHeaders.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url?.startsWith('/v1/customers/'))
        res.end(JSON.stringify({ id: 5, name: 'Jane Roe', ssn: '536-22-8154' }));
      else res.end(JSON.stringify({ ok: true, echo: body ? body : null }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamHost = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  agent = uniqueAgent('http-proxy');
  // The rules document decides; no seed lists (their REVIEW for transfers would outrank the ALLOW).
  await t.aegis.agent(agent, { description: 'pays and reads through the HTTP proxy' }).register();
  const applied = await t.reviewer.policies.applyRules.mutate({
    yaml: [
      'kind: AgentPolicy',
      `agent: ${agent}`,
      'default: REVIEW',
      'rules:',
      '  - { id: read, actions: [bank.get_customer, bank.list_accounts], effect: ALLOW }',
      '  - { id: no-delete, actions: [bank.delete_customer], effect: BLOCK, reason: Deleting customers is not allowed }',
      '  - { id: big-transfers, actions: [bank.transfer], when: "args.body.amount > 1000", effect: REVIEW }',
      "  - { id: no-cards, actions: [bank.transfer, bank.note, bank.get_customer], when: \"dlp.foundIn('args', 'card')\", effect: REDACT }",
      '  - { id: small-transfers, actions: [bank.transfer], effect: ALLOW }',
      '  - { id: notes, actions: [bank.note], effect: ALLOW }',
      '  - { id: no-evil-payees, actions: [bank.payees], when: \'args.query.to == "evil"\', effect: BLOCK }',
      '  - { id: no-evil-payee, actions: [bank.add_payee], when: \'args.body.to == "evil"\', effect: BLOCK }',
      '  - { id: payees, actions: [bank.payees, bank.add_payee], effect: ALLOW }',
      '  - { id: mask-ssn, on: result, actions: ["*"], when: "dlp.found(\'ssn\')", effect: REDACT }',
      '',
    ].join('\n'),
  });
  expect(applied.ok).toBe(true);
  proxy = await startHttpProxy({
    config: proxyConfig.parse({
      agent,
      listen: { port: 0 },
      reviewTimeoutSeconds: 30,
      routes: [
        {
          host: upstreamHost,
          endpoints: [
            {
              method: 'GET',
              path: '/v1/customers/:id',
              action: 'bank.get_customer',
              tags: ['pii'],
            },
            { method: 'GET', path: '/v1/accounts', action: 'bank.list_accounts' },
            { method: 'DELETE', path: '/v1/customers/:id', action: 'bank.delete_customer' },
            { method: 'POST', path: '/v1/transfers', action: 'bank.transfer', tags: ['financial'] },
            { method: 'POST', path: '/v1/notes', action: 'bank.note' },
            { method: 'GET', path: '/v1/payees', action: 'bank.payees', lists: ['id'] },
            { method: 'POST', path: '/v1/payees', action: 'bank.add_payee' },
          ],
        },
      ],
    }),
    url: t.server.url,
    apiKey: await agentKey(t.reviewer, [agent]),
    log: () => undefined,
  });
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  upstream?.close();
});

/** One request through the proxy, as an HTTP client with HTTP_PROXY set sends it. */
function viaProxy(
  method: string,
  url: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingMessage['headers']; json: Record<string, unknown> }> {
  const { hostname, port } = new URL(proxy.url);
  const payload =
    body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        method,
        path: url,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...extraHeaders },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            json: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const entries = async (action: string) =>
  (await t.reviewer.audit.list.query({ agent, action, limit: 50 })).entries;

describe('aegis proxy http', () => {
  it('forwards an allowed request and masks what a result rule names in the response', async () => {
    const before = received.length;
    const res = await viaProxy('GET', `http://${upstreamHost}/v1/customers/5?fields=name`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: 5, name: 'Jane Roe' });
    expect(JSON.stringify(res.json)).not.toContain('536-22-8154');
    expect(res.headers['aegis-result']).toBe('redacted');
    expect(received.slice(before)).toEqual([
      { method: 'GET', url: '/v1/customers/5?fields=name', body: '' },
    ]);
    await expect
      .poll(async () => (await entries('bank.get_customer')).find((e) => e.status === 'ALLOWED'), {
        timeout: 10_000,
      })
      .toMatchObject({ outcome: 'ok', resultEffect: 'REDACT' });
  });

  it('blocks a request the policy blocks: 403 with the reason, the upstream never sees it', async () => {
    const before = received.length;
    const res = await viaProxy('DELETE', `http://${upstreamHost}/v1/customers/5`);
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ error: 'BLOCKED' });
    expect(String(res.json.message)).toContain('Deleting customers is not allowed');
    expect(received.length).toBe(before);
    expect(await entries('bank.delete_customer')).toContainEqual(
      expect.objectContaining({ status: 'BLOCKED', channel: 'http-proxy' }),
    );
  });

  it('decides on the JSON body: a small transfer goes through, a large one waits for a person', async () => {
    const small = await viaProxy('POST', `http://${upstreamHost}/v1/transfers`, {
      to: 'acct-9',
      amount: 50,
    });
    expect(small.status).toBe(200);
    expect(small.json).toMatchObject({ ok: true });
    expect(JSON.parse(String(small.json.echo))).toEqual({ to: 'acct-9', amount: 50 });

    const approval = await watchFor(t.aegis, (e) =>
      e.type === 'approval.created' && e.approval.agent === agent ? e.approval : undefined,
    );
    const before = received.length;
    const big = viaProxy('POST', `http://${upstreamHost}/v1/transfers`, {
      to: 'acct-9',
      amount: 5000,
    });
    const held = await approval.event;
    expect(held.action).toBe('bank.transfer');
    expect(received.length).toBe(before); // held: not sent yet
    await t.reviewer.approvals.decide.mutate({ id: held.id, decision: 'APPROVED' });
    const res = await big;
    expect(res.status).toBe(200);
    expect(received.slice(before).map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { to: 'acct-9', amount: 5000 },
    ]);
  });

  it('a denied request is refused with 403 and never sent', async () => {
    const approval = await watchFor(t.aegis, (e) =>
      e.type === 'approval.created' && e.approval.agent === agent ? e.approval : undefined,
    );
    const before = received.length;
    const big = viaProxy('POST', `http://${upstreamHost}/v1/transfers`, {
      to: 'acct-1',
      amount: 9000,
    });
    await t.reviewer.approvals.decide.mutate({ id: (await approval.event).id, decision: 'DENIED' });
    const res = await big;
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ error: 'APPROVAL_DENIED' });
    expect(received.length).toBe(before);
  });

  it('refuses hosts and endpoints not in its config, bad JSON, and requests that are not proxy requests', async () => {
    const before = received.length;
    expect((await viaProxy('GET', 'http://example.invalid/anything')).json).toMatchObject({
      error: 'UNKNOWN_HOST',
    });
    expect((await viaProxy('PUT', `http://${upstreamHost}/v1/accounts`)).json).toMatchObject({
      error: 'UNKNOWN_ENDPOINT',
    });
    const notProxy = await viaProxy('GET', '/v1/accounts');
    expect(notProxy.status).toBe(400);
    expect(notProxy.json).toMatchObject({ error: 'NOT_A_PROXY_REQUEST' });
    const { hostname, port } = new URL(proxy.url);
    const badJson = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: hostname,
          port,
          method: 'POST',
          path: `http://${upstreamHost}/v1/transfers`,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{"amount": ');
    });
    expect(badJson).toBe(400);
    expect(received.length).toBe(before);
  });

  it('refuses CONNECT tunnels to hosts that did not opt in', async () => {
    const { hostname, port } = new URL(proxy.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () =>
        socket.write(`CONNECT ${upstreamHost} HTTP/1.1\r\nhost: ${upstreamHost}\r\n\r\n`),
      );
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 403/);
  });

  it('kill-switch: a paused agent is refused, and nothing is sent', async () => {
    await t.reviewer.agents.setStatus.mutate({ name: agent, status: 'PAUSED' });
    try {
      const before = received.length;
      const res = await viaProxy('GET', `http://${upstreamHost}/v1/accounts`);
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ error: 'KILLED' });
      expect(received.length).toBe(before);
    } finally {
      await t.reviewer.agents.setStatus.mutate({ name: agent, status: 'ACTIVE' });
    }
  });
});

describe('aegis proxy http sends what Aegis decided', () => {
  const card = '4111 1111 1111 1111';

  it('REDACT: the upstream receives the masked JSON body, not the card', async () => {
    const before = received.length;
    const res = await viaProxy('POST', `http://${upstreamHost}/v1/transfers?memo=x`, {
      to: 'acct-9',
      amount: 10,
      memo: `card ${card}`,
    });
    expect(res.status).toBe(200);
    const sent = received.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).not.toContain(card);
    const body = JSON.parse(sent[0]?.body ?? '') as Record<string, unknown>;
    expect(body).toMatchObject({ to: 'acct-9', amount: 10 });
    expect(receivedHeaders.at(-1)?.['content-length']).toBe(String(sent[0]?.body.length));
    expect(sent[0]?.url).toBe('/v1/transfers?memo=x');
  });

  it('REDACT in a path part: the upstream receives the masked path', async () => {
    const before = received.length;
    const res = await viaProxy(
      'GET',
      `http://${upstreamHost}/v1/customers/${card.replaceAll(' ', '')}?x=1`,
    );
    expect(res.status).toBe(200);
    expect(received.slice(before).map((r) => r.url)).toEqual([
      '/v1/customers/************1111?x=1',
    ]);
  });

  it('REDACT on a body that is not JSON: refused with 422, recorded, nothing sent', async () => {
    const before = received.length;
    const res = await viaProxy('POST', `http://${upstreamHost}/v1/notes`, `card ${card}`, {
      'content-type': 'text/plain',
    });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ error: 'CANNOT_APPLY_DECISION' });
    expect(String(res.json.message)).toMatch(/text\/plain, not JSON/);
    expect(received.length).toBe(before);
    // the decision and the refused run are both on the record
    await expect
      .poll(async () => await entries('bank.note'), { timeout: 10_000 })
      .toEqual(
        expect.arrayContaining([
          expect.objectContaining({ status: 'ALLOWED', argsRedacted: true, outcome: 'error' }),
          expect.objectContaining({ status: 'ERROR', details: expect.stringMatching(/not JSON/) }),
        ]),
      );
  });

  it('Edit & approve: the upstream receives the amount the reviewer approved', async () => {
    const approval = await watchFor(t.aegis, (e) =>
      e.type === 'approval.created' && e.approval.agent === agent ? e.approval : undefined,
    );
    const before = received.length;
    const big = viaProxy('POST', `http://${upstreamHost}/v1/transfers`, {
      to: 'acct-9',
      amount: 5000,
    });
    const held = await approval.event;
    await t.reviewer.approvals.decide.mutate({
      id: held.id,
      decision: 'APPROVED',
      editedArgs: { body: { to: 'acct-9', amount: 50 } },
    });
    expect((await big).status).toBe(200);
    expect(received.slice(before).map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { to: 'acct-9', amount: 50 },
    ]);
  });

  it('sets Host from the target and drops method overrides: the upstream runs what was decided', async () => {
    const before = received.length;
    const res = await viaProxy(
      'POST',
      `http://${upstreamHost}/v1/transfers`,
      { to: 'acct-9', amount: 5 },
      {
        host: 'admin.internal',
        'x-http-method-override': 'DELETE',
        'x-http-method': 'DELETE',
        'x-method-override': 'DELETE',
      },
    );
    expect(res.status).toBe(200);
    expect(received.slice(before)).toHaveLength(1);
    const headers = receivedHeaders.at(-1) ?? {};
    expect(headers.host).toBe(upstreamHost);
    expect(headers['x-http-method-override']).toBeUndefined();
    expect(headers['x-http-method']).toBeUndefined();
    expect(headers['x-method-override']).toBeUndefined();
  });

  it('refuses encoded separators in a matched path with 400, nothing sent', async () => {
    const before = received.length;
    for (const path of [
      '/v1/customers/1%2F..%2F..%2Fadmin%2Fusers',
      '/v1/customers/1%2f..%2fadmin',
      '/v1/customers/1%5Cadmin',
      '/v1/customers/1%2e%2E',
    ]) {
      const res = await viaProxy('GET', `http://${upstreamHost}${path}`);
      expect(res.status, path).toBe(400);
      expect(res.json).toMatchObject({ error: 'UNSAFE_PATH' });
    }
    expect(received.length).toBe(before);
  });
});

describe('repeated query parameters and form fields (attack review 9)', () => {
  it('refuses a name given twice: policy would see a list, the upstream one of the values', async () => {
    const before = received.length;
    const once = await viaProxy('GET', `http://${upstreamHost}/v1/payees?to=evil`);
    expect(once.json).toMatchObject({ error: 'BLOCKED' });
    for (const [method, url, body] of [
      ['GET', '/v1/payees?to=ok&to=evil', undefined],
      ['GET', '/v1/payees?to=evil&to=evil', undefined],
      ['POST', '/v1/payees', 'to=ok&to=evil'],
    ] as const) {
      const res = await viaProxy(method, `http://${upstreamHost}${url}`, body, {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(res.status, `${method} ${url} ${body ?? ''}`).toBe(400);
      expect(res.json).toMatchObject({ error: 'REPEATED_PARAMETER' });
      expect(String(res.json.message)).toContain('"to"');
    }
    expect(received.length).toBe(before);
  });

  it('refuses a JSON body that repeats a key with 400 DUPLICATE_KEY, nothing sent', async () => {
    const before = received.length;
    const deep = `${'{"k":'.repeat(50_000)}{"to":"ok","to":"evil"}${'}'.repeat(50_000)}`;
    for (const [body, path] of [
      ['{"to":"ok","to":"evil"}', 'to'],
      ['{"to":"evil","to":"ok"}', 'to'],
      ['{"t\\u006f":"ok","to":"evil"}', 'to'],
      ['{"meta":{"tags":[{"to":1},{"to":2,"to":3}]},"to":"ok"}', 'meta.tags[1].to'],
      [deep, '.k.k.to'],
    ] as const) {
      const res = await viaProxy('POST', `http://${upstreamHost}/v1/payees`, body, {
        'content-type': 'application/json',
      });
      expect(res.status, body.slice(0, 60)).toBe(400);
      expect(res.json).toMatchObject({ error: 'DUPLICATE_KEY' });
      expect(String(res.json.message)).toContain(`${path} twice`);
    }
    expect(received.length).toBe(before);
    // The same name in different objects is no repetition.
    const fine = await viaProxy('POST', `http://${upstreamHost}/v1/payees`, {
      to: 'ok',
      alias: { to: 'evil' },
    });
    expect(fine.status).toBe(200);
  });

  it('takes a name the endpoint declares in lists, as a list policy can read', async () => {
    const before = received.length;
    const res = await viaProxy('GET', `http://${upstreamHost}/v1/payees?to=ok&id=1&id=2`);
    expect(res.status).toBe(200);
    expect(received.slice(before).map((r) => r.url)).toEqual(['/v1/payees?to=ok&id=1&id=2']);
    const [entry] = await entries('bank.payees');
    expect(entry?.argsPreview).toContain('"id":["1","2"]');
  });
});

describe('proxy.yaml', () => {
  it('names the file and the field that is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-proxy-config-'));
    try {
      const file = join(dir, 'proxy.yaml');
      writeFileSync(
        file,
        'agent: bot\nroutes:\n  - host: api.example.com\n    endpoints:\n      - { method: FETCH, path: /x, action: a.b }\n',
      );
      await expect(loadProxyConfig(file)).rejects.toThrow(
        /proxy\.yaml: routes\.0\.endpoints\.0\.method/,
      );
      writeFileSync(file, 'agent: bot\nroutes: []\n');
      await expect(loadProxyConfig(file)).rejects.toThrow(/routes: at least one route/);
      writeFileSync(file, 'agent: [unclosed\n');
      await expect(loadProxyConfig(file)).rejects.toThrow(/proxy\.yaml/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
