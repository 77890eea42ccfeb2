import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { GatewayStdioTransport } from '../../src/mcp/stdioTransport';
import { uniqueAgent, useSdkServer } from '../helpers/server';
import { agentKey, aegisBin, buildCli, fixture } from './helpers';

/** A transport on in-memory pipes: what it passes on, and every line it writes back. */
function wire(maxLineBytes?: number) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const transport = new GatewayStdioTransport(stdin, stdout, maxLineBytes);
  const received: JSONRPCMessage[] = [];
  const answers: Array<{ id: unknown; error: { code: number; message: string } }> = [];
  let pending = '';
  stdout.on('data', (c: Buffer) => {
    pending += c.toString();
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
      answers.push(JSON.parse(pending.slice(0, nl)) as (typeof answers)[number]);
      pending = pending.slice(nl + 1);
    }
  });
  transport.onmessage = (m) => received.push(m);
  return { stdin, transport, received, answers };
}

const ping = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the gateway stdio transport answers what is not a message', () => {
  it('broken JSON: -32700 with a null id; the next message still arrives', async () => {
    const w = wire();
    await w.transport.start();
    w.stdin.write(`{"jsonrpc":"2.0","id":1,"method":"tools/list"\n${ping(2)}\n`);
    await settle();
    expect(w.answers).toEqual([
      {
        jsonrpc: '2.0',
        id: null,
        error: { code: ErrorCode.ParseError, message: expect.stringMatching(/^Parse error/) },
      },
    ]);
    expect(w.received).toEqual([{ jsonrpc: '2.0', id: 2, method: 'ping' }]);
  });

  it("valid JSON that is not JSON-RPC: -32600, with the message's own id when it has one", async () => {
    const w = wire();
    await w.transport.start();
    w.stdin.write(`{"jsonrpc":"1.0","id":7,"method":"ping"}\n{"id":"x"}\n42\n`);
    w.stdin.write(`[${ping(3)},${ping(4)}]\n`);
    await settle();
    expect(w.answers.map((a) => [a.id, a.error.code])).toEqual([
      [7, ErrorCode.InvalidRequest],
      ['x', ErrorCode.InvalidRequest],
      [null, ErrorCode.InvalidRequest],
      [null, ErrorCode.InvalidRequest],
    ]);
    expect(w.answers[3]?.error.message).toMatch(/batches are not supported/);
    expect(w.received).toEqual([]);
  });

  it('blank lines and CRLF line ends are fine; a message split across reads is put back together', async () => {
    const w = wire();
    await w.transport.start();
    const line = `${ping(5)}\r\n`;
    w.stdin.write('\n  \n');
    for (const piece of [line.slice(0, 10), line.slice(10, 20), line.slice(20)]) {
      w.stdin.write(piece);
      await settle();
    }
    expect(w.answers).toEqual([]);
    expect(w.received).toEqual([{ jsonrpc: '2.0', id: 5, method: 'ping' }]);
  });

  it('an oversized line is refused once and skipped, across reads; the session goes on', async () => {
    const w = wire(64);
    await w.transport.start();
    const huge = JSON.stringify({
      jsonrpc: '2.0',
      id: 9,
      method: 'tools/call',
      params: { x: 'y'.repeat(200) },
    });
    w.stdin.write(huge.slice(0, 100));
    await settle();
    w.stdin.write(huge.slice(100));
    await settle();
    w.stdin.write(`\n${ping(10)}\n${'z'.repeat(70)}\n${ping(11)}\n`);
    await settle();
    expect(w.answers.map((a) => [a.id, a.error.code])).toEqual([
      [null, ErrorCode.InvalidRequest],
      [null, ErrorCode.InvalidRequest],
    ]);
    expect(w.answers[0]?.error.message).toMatch(/longer than 64 bytes/);
    expect(w.received.map((m) => ('id' in m ? m.id : null))).toEqual([10, 11]);
  });
});

describe('aegis mcp over stdio, spoken to by hand', () => {
  const t = useSdkServer();
  let agent: string;
  let key: string;

  beforeAll(async () => {
    await buildCli();
    agent = uniqueAgent('mcp-wire');
    await t.aegis.agent(agent, { allows: ['fixture.echo'] }).register();
    key = await agentKey(t.reviewer, [agent]);
  }, 120_000);

  let child: ReturnType<typeof spawn> | undefined;
  afterAll(() => {
    child?.kill();
  });

  it('a malformed line gets -32700 and the session keeps answering', async () => {
    child = spawn(
      process.execPath,
      [
        aegisBin,
        'mcp',
        '--agent',
        agent,
        '--no-pins',
        '--server',
        'fixture',
        '--',
        process.execPath,
        fixture,
      ],
      {
        env: { PATH: process.env.PATH ?? '', AEGIS_URL: t.server.url, AEGIS_API_KEY: key },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const lines: Array<Record<string, unknown>> = [];
    let pending = '';
    child.stdout?.on('data', (c: Buffer) => {
      pending += c.toString();
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
        lines.push(JSON.parse(pending.slice(0, nl)) as Record<string, unknown>);
        pending = pending.slice(nl + 1);
      }
    });
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'by-hand', version: '1' },
      },
    };
    child.stdin?.write(`${JSON.stringify(init)}\n`);
    await expect.poll(() => lines.find((l) => l.id === 1), { timeout: 30_000 }).toBeTruthy();
    child.stdin?.write('{"jsonrpc":"2.0","id":2,"method":\n');
    child.stdin?.write(`${ping(3)}\n`);
    await expect.poll(() => lines.find((l) => l.id === 3), { timeout: 30_000 }).toBeTruthy();
    expect(lines.find((l) => l.id === null)).toMatchObject({
      error: { code: ErrorCode.ParseError },
    });
    expect(lines.find((l) => l.id === 3)).toMatchObject({ result: {} });
  }, 60_000);
});
