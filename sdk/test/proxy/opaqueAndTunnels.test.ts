import { createServer, request, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyConfig } from '../../src/proxy/config';
import { startHttpProxy, type HttpProxy } from '../../src/proxy/server';
import { agentKey } from '../mcp/helpers';
import { uniqueAgent, useSdkServer } from '../helpers/server';

// `aegis proxy http` with a real server and real upstreams: bodies policy and DLP can't read are
// parsed or refused, and a CONNECT tunnel doesn't outlive the kill-switch.

const t = useSdkServer();
const CARD = '4111 1111 1111 1111';
let proxy: HttpProxy;
let agent: string;
/** Two HTTP upstreams (their routes differ in `opaqueBody`) and a raw TCP service for tunnels. */
let strict: Server, lenient: Server, service: ReturnType<typeof createTcpServer>;
let strictHost: string, lenientHost: string, serviceHost: string;
/** The bodies the HTTP upstreams received, and the bytes the TCP service received. */
const received: string[] = [];
let serviceSaw = '';

const hostOf = (s: { address(): unknown }) => `127.0.0.1:${(s.address() as AddressInfo).port}`;
const listen = (s: Server | ReturnType<typeof createTcpServer>) =>
  new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));

function recordingUpstream(): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
}

beforeAll(async () => {
  strict = recordingUpstream();
  lenient = recordingUpstream();
  service = createTcpServer((s) => s.on('data', (d: Buffer) => (serviceSaw += d.toString())));
  await Promise.all([listen(strict), listen(lenient), listen(service)]);
  [strictHost, lenientHost, serviceHost] = [hostOf(strict), hostOf(lenient), hostOf(service)];

  agent = uniqueAgent('proxy-opaque');
  await t.aegis.agent(agent, { description: 'pays and tunnels through the HTTP proxy' }).register();
  const applied = await t.reviewer.policies.applyRules.mutate({
    yaml: [
      'kind: AgentPolicy',
      `agent: ${agent}`,
      'default: BLOCK',
      'rules:',
      '  - { id: transfers, actions: [pay.transfer], effect: ALLOW }',
      "  - { id: no-cards, actions: [pay.transfer], when: \"dlp.foundIn('args', 'card')\", effect: BLOCK }",
      '  - { id: tunnel, actions: [svc.connect], effect: ALLOW }',
      '',
    ].join('\n'),
  });
  expect(applied.ok).toBe(true);
  const transfers = [{ method: 'POST', path: '/v1/transfers', action: 'pay.transfer' }];
  proxy = await startHttpProxy({
    config: proxyConfig.parse({
      agent,
      listen: { port: 0 },
      routes: [
        { host: strictHost, endpoints: transfers },
        { host: lenientHost, endpoints: transfers, opaqueBody: 'allow' },
        {
          host: serviceHost,
          connectAction: 'svc.connect',
          endpoints: [{ method: 'GET', path: '/health', action: 'svc.health' }],
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
  strict?.close();
  lenient?.close();
  service?.close();
});

/** A POST through the proxy with a raw body of the given type. */
function post(
  host: string,
  type: string,
  body: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const { hostname, port } = new URL(proxy.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        method: 'POST',
        path: `http://${host}/v1/transfers`,
        headers: { 'content-type': type, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const B = '----aegis-test';
const MULTIPART = `multipart/form-data; boundary=${B}`;
const form = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `--${B}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join('') + `--${B}--\r\n`;

const entries = async (action: string) =>
  (await t.reviewer.audit.list.query({ agent, action, limit: 50 })).entries;

describe('aegis proxy http reads form bodies', () => {
  it('a card in a multipart/form-data field is blocked by the DLP rule; the upstream never sees it', async () => {
    const before = received.length;
    const res = await post(strictHost, MULTIPART, form({ to: 'ACME', memo: `card ${CARD}` }));
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ error: 'BLOCKED' });
    const urlencoded = await post(
      strictHost,
      'application/x-www-form-urlencoded',
      `to=ACME&memo=${encodeURIComponent(`card ${CARD}`).replaceAll('%20', '+')}`,
    );
    expect(urlencoded.status).toBe(403);
    expect(received.length).toBe(before);
  });

  it('a form without a card is forwarded as it was sent', async () => {
    const before = received.length;
    const body = form({ to: 'ACME', amount: '50' });
    expect((await post(strictHost, MULTIPART, body)).status).toBe(200);
    expect(received.slice(before)).toEqual([body]);
  });

  it('a malformed multipart body is refused with 400, nothing sent', async () => {
    const before = received.length;
    const res = await post(strictHost, 'multipart/form-data', form({ to: 'ACME' }));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'BAD_MULTIPART' });
    expect(received.length).toBe(before);
  });
});

describe('aegis proxy http and bodies it cannot read', () => {
  it('refuses an octet-stream body with 415 by default, on the record, nothing sent', async () => {
    const before = received.length;
    const res = await post(strictHost, 'application/octet-stream', '{"to":"ACME","amount":5}');
    expect(res.status).toBe(415);
    expect(res.json).toMatchObject({ error: 'UNREADABLE_BODY' });
    expect(String(res.json.message)).toMatch(/opaqueBody: allow/);
    expect(received.length).toBe(before);
    await expect
      .poll(async () => await entries('pay.transfer'), { timeout: 10_000 })
      .toContainEqual(
        expect.objectContaining({ status: 'ERROR', details: expect.stringMatching(/can't read/) }),
      );
  });

  it('with opaqueBody: allow, DLP still scans the bytes: a card is blocked, other bytes go through', async () => {
    const before = received.length;
    const carded = await post(lenientHost, 'application/octet-stream', `memo=card ${CARD}`);
    expect(carded.status).toBe(403);
    expect(carded.json).toMatchObject({ error: 'BLOCKED' });
    expect(received.length).toBe(before);
    const plain = await post(lenientHost, 'application/octet-stream', 'to=ACME');
    expect(plain.status).toBe(200);
    expect(received.slice(before)).toEqual(['to=ACME']);
  });
});

/** Opens a CONNECT tunnel to the TCP service through `via`; resolves once it is established. */
async function openTunnel(via: HttpProxy): Promise<{ socket: Socket; closed: Promise<void> }> {
  const { hostname, port } = new URL(via.url);
  const socket: Socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  let answer = '';
  socket.on('data', (c: Buffer) => (answer += c.toString()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(`CONNECT ${serviceHost} HTTP/1.1\r\nhost: ${serviceHost}\r\n\r\n`);
  await expect.poll(() => answer, { timeout: 10_000 }).toMatch(/^HTTP\/1\.1 200/);
  return { socket, closed };
}

describe('aegis proxy http tunnels and the kill-switch', () => {
  it('cuts an open CONNECT tunnel when the agent is paused, and records why', async () => {
    const { socket, closed } = await openTunnel(proxy);
    socket.write('before the kill\n');
    await expect.poll(() => serviceSaw, { timeout: 10_000 }).toContain('before the kill');

    await t.reviewer.agents.setStatus.mutate({ name: agent, status: 'PAUSED' });
    try {
      await closed;
      expect(socket.destroyed).toBe(true);
      await expect
        .poll(async () => await entries('svc.connect'), { timeout: 10_000 })
        .toContainEqual(
          expect.objectContaining({
            status: 'ERROR',
            details: expect.stringMatching(/tunnel was cut.*kill-switch/),
          }),
        );
    } finally {
      await t.reviewer.agents.setStatus.mutate({ name: agent, status: 'ACTIVE' });
    }
  });

  it('cuts a tunnel that reaches maxTunnelSeconds, and records why', async () => {
    const short = await startHttpProxy({
      config: proxyConfig.parse({
        agent,
        listen: { port: 0 },
        maxTunnelSeconds: 1,
        routes: [
          {
            host: serviceHost,
            connectAction: 'svc.connect',
            endpoints: [{ method: 'GET', path: '/health', action: 'svc.health' }],
          },
        ],
      }),
      url: t.server.url,
      apiKey: await agentKey(t.reviewer, [agent]),
      log: () => undefined,
    });
    try {
      const { socket, closed } = await openTunnel(short);
      await closed;
      expect(socket.destroyed).toBe(true);
      await expect
        .poll(async () => await entries('svc.connect'), { timeout: 10_000 })
        .toContainEqual(
          expect.objectContaining({
            status: 'ERROR',
            details: expect.stringMatching(/tunnel was cut.*maxTunnelSeconds/),
          }),
        );
    } finally {
      await short.close();
    }
  });
});
