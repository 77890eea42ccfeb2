import { connect, createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueAgent, useSdkServer, watchFor } from '../helpers/server';
import { agentKey, buildCli, fixture, stdioGateway, tempDir, text } from './helpers';

// An MCP client ending its session (an IDE closing, a client restarting its servers) is the
// normal end of `aegis mcp`: nothing about it may read as an error on the gateway's stderr. It
// printed "background: socket hang up" when the client left during a call held for review: the
// call's "stopped waiting" report was cut by the gateway closing its connections to Aegis.

const t = useSdkServer();
const tmp = tempDir('aegis-mcp-disconnect-');
let agent: string;
let key: string;
let slowLink: Server;
let slowUrl: string;

/**
 * The gateway's way to Aegis, through a TCP relay whose answers to "stopped waiting" reports
 * (`sdk.approvalTimeout`) come a second late, as over a slow network: the gateway closing its
 * connections to Aegis before that answer is what cut the report.
 */
async function startSlowLink(target: URL): Promise<void> {
  slowLink = createServer((inbound) => {
    const outbound = connect(Number(target.port), target.hostname);
    let slow = false;
    inbound.on('data', (chunk: Buffer) => {
      if (chunk.includes('approvalTimeout')) slow = true;
      outbound.write(chunk);
    });
    outbound.on('data', (chunk: Buffer) => {
      if (slow) setTimeout(() => inbound.write(chunk), 1_000);
      else inbound.write(chunk);
    });
    const end = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('close', end).on('error', end);
    outbound.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => slowLink.listen(0, '127.0.0.1', resolve));
  slowUrl = `http://127.0.0.1:${(slowLink.address() as { port: number }).port}`;
}

beforeAll(async () => {
  await buildCli();
  agent = uniqueAgent('mcp-bye');
  await t.aegis
    .agent(agent, { allows: ['fixture.echo'], review: ['fixture.get_customer'] })
    .register();
  key = await agentKey(t.reviewer, [agent]);
  await startSlowLink(new URL(t.server.url));
}, 120_000);
afterAll(() => {
  slowLink?.close();
  tmp.remove();
});

describe('aegis mcp when its client disconnects', () => {
  it('ends quietly, even while a call waits for a person, and that approval expires', async () => {
    const gw = await stdioGateway({
      agent,
      url: slowUrl,
      key,
      upstream: [process.execPath, fixture],
      extra: ['--server', 'fixture'],
      env: { FIXTURE_LOG: path.join(tmp.dir, 'calls.jsonl') },
    });
    expect(text(await gw.client.callTool({ name: 'echo', arguments: { text: 'hi' } }))).toBe('hi');

    const created = await watchFor(t.aegis, (e) =>
      e.type === 'approval.created' && e.approval.agent === agent ? e.approval.id : undefined,
    );
    const waiting = gw.client
      .callTool({ name: 'get_customer', arguments: { id: 1 } })
      .catch((e: unknown) => e);
    const id = await created.event;
    const expired = await watchFor(t.aegis, (e) =>
      e.type === 'approval.decided' && e.approval.id === id ? e.approval.status : undefined,
    );

    await gw.close();
    expect(await waiting).toBeInstanceOf(Error);
    // The gateway told Aegis it stopped waiting before it went: approving now runs nothing.
    expect(await expired.event).toBe('EXPIRED');
    expect(gw.stderr()).not.toMatch(/background|socket hang up|error/i);
  });
});
