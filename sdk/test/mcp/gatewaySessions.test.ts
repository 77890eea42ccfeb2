import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig, startHttpGateway, type HttpGateway } from '../../src/mcp/index';
import { uniqueAgent, useSdkServer } from '../helpers/server';
import { agentKey, fixture } from './helpers';

// Attack review 10: every `aegis mcp serve` session starts its own stdio upstreams, and one agent
// key could open sessions without bound (40 initializes: 40 upstream processes), none of which
// was ever closed if its client forgot to. Sessions are now bounded per key and closed when idle.
// A real gateway, a real server, real MCP clients over Streamable HTTP.

const t = useSdkServer();
let gateway: HttpGateway;
let key: string;
const logs: string[] = [];

beforeAll(async () => {
  const agent = uniqueAgent('mcp-sessions');
  await t.aegis.agent(agent, { allows: ['fixture.echo'] }).register();
  key = await agentKey(t.reviewer, [agent]);
  gateway = await startHttpGateway({
    config: {
      ...gatewayConfig.parse({
        aegis: { url: t.server.url },
        listen: { port: 0 },
        upstreams: { fixture: { command: process.execPath, args: [fixture] } },
      }),
      maxSessionsPerKey: 3,
      sessionIdleSeconds: 10,
    },
    pins: null,
    version: 'test',
    log: (line) => logs.push(line),
  });
}, 60_000);
afterAll(() => gateway?.close());

async function connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(gateway.url), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  const client = new Client({ name: 'sessions-test', version: '1' });
  await client.connect(transport);
  await client.listTools();
  return { client, transport };
}

describe('aegis mcp serve: sessions per key', () => {
  it('refuses a session past maxSessionsPerKey (429), and takes one again once a session ends', async () => {
    const held = [await connect(), await connect(), await connect()];
    const refused = await connect().catch((e: unknown) => e);
    expect(String(refused)).toContain(
      'This key already has 3 MCP sessions open (maxSessionsPerKey is 3)',
    );
    await held[0]!.transport.terminateSession();
    await held[0]!.client.close();
    const again = await connect();
    for (const s of [again, held[1]!, held[2]!]) {
      await s.transport.terminateSession();
      await s.client.close();
    }
  });

  it('counts initializes still in flight: slow bodies sent together open no more than maxSessionsPerKey sessions', async () => {
    // Only initialized sessions used to count, and a session exists only once its initialize's
    // body has arrived: eight initializes whose bodies were held back all passed the check, and
    // all eight started upstreams under a limit of three.
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-03-26',
        capabilities: {},
        clientInfo: { name: 'slow', version: '1' },
      },
    });
    const url = new URL(gateway.url);
    const sent = Array.from({ length: 8 }, () => {
      const req = request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': Buffer.byteLength(body),
        },
      });
      const answer = new Promise<{ status: number; session: string | undefined }>(
        (resolve, reject) => {
          req.on('response', (res) => {
            res.resume();
            const session = res.headers['mcp-session-id'];
            resolve({
              status: res.statusCode ?? 0,
              session: typeof session === 'string' ? session : undefined,
            });
          });
          req.on('error', reject);
        },
      );
      req.write(body.slice(0, 10));
      return { req, answer };
    });
    // Every request's headers are in (each waits for the rest of its body) before any body ends.
    await new Promise((r) => setTimeout(r, 500));
    for (const s of sent) s.req.end(body.slice(10));
    const answers = await Promise.all(sent.map((s) => s.answer));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(5);
    for (const { session } of answers.filter((a) => a.session)) {
      const ended = await fetch(gateway.url, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${key}`, 'mcp-session-id': session! },
      });
      expect(ended.status).toBe(200);
    }
    // All ended, none still counted as opening: the key can open its three again.
    const again = [await connect(), await connect(), await connect()];
    for (const s of again) {
      await s.transport.terminateSession();
      await s.client.close();
    }
  }, 60_000);

  it('closes a session its client left without ending it, once idle for sessionIdleSeconds', async () => {
    const gone = [await connect(), await connect(), await connect()];
    expect(String(await connect().catch((e: unknown) => e))).toContain('maxSessionsPerKey is 3');
    const ids = gone.map((g) => g.transport.sessionId);
    // The clients go away (their streams closed) without DELETE: the sessions stay until idle.
    for (const g of gone) await g.client.close();
    const end = Date.now() + 40_000;
    while (logs.filter((l) => l.includes('idle for 10 s')).length < 3 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 250));
    const fresh = await connect();
    const stale = await fetch(gateway.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': ids[0]!,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(stale.status).toBe(404);
    await fresh.transport.terminateSession();
    await fresh.client.close();
  }, 60_000);
});
