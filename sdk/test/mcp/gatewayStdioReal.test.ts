import { createServer } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueAgent, useSdkServer, watchFor } from '../helpers/server';
import {
  agentKey,
  buildCli,
  everythingServer,
  filesystemServer,
  stdioGateway,
  tempDir,
  text,
  type StdioGateway,
} from './helpers';

// Issue 20, "Done means" 1 over stdio: the real npm MCP servers behind `aegis mcp --agent … --`,
// driven by the SDK's real MCP Client, exactly as an IDE launches them from its MCP config.

const t = useSdkServer();
const tmp = tempDir('aegis-mcp-stdio-real-');
const files = path.join(tmp.dir, 'files');
const at = (name: string) => path.join(files, name);
const SSN = '536-22-8154';
const CARD = '4111 1111 1111 1111';

beforeAll(async () => {
  mkdirSync(files);
  writeFileSync(at('notes.txt'), 'quarterly numbers');
  writeFileSync(at('customer.txt'), `Jane Roe, SSN ${SSN}, card ${CARD}, prefers email`);
  await buildCli();
}, 120_000);
afterAll(() => tmp.remove());

/** The next approval Aegis opens for `agent`, as a reviewer's dashboard sees it arrive. */
const nextApproval = (agent: string) =>
  watchFor(t.aegis, (e) =>
    e.type === 'approval.created' && e.approval.agent === agent ? e.approval.id : undefined,
  );

/** A port on which nothing listens: Aegis "down". */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('aegis mcp in front of @modelcontextprotocol/server-filesystem (stdio)', () => {
  let agent: string;
  let gw: StdioGateway;

  beforeAll(async () => {
    agent = uniqueAgent('mcp-fs');
    await t.aegis
      .agent(agent, {
        allows: ['fs.read_text_file', 'fs.list_allowed_directories'],
        blocks: ['fs.write_file'],
        review: ['fs.move_file'],
      })
      .register();
    // On top of the lists: what a file holds is screened before the client reads it.
    const applied = await t.reviewer.policies.applyRules.mutate({
      yaml: [
        'kind: AgentPolicy',
        `agent: ${agent}`,
        'rules:',
        '  - id: mask-ssn-and-cards',
        '    on: result',
        "    actions: ['*']",
        "    when: dlp.found('ssn') || dlp.found('card')",
        '    effect: REDACT',
        '',
      ].join('\n'),
    });
    expect(applied.ok).toBe(true);
    gw = await stdioGateway({
      agent,
      url: t.server.url,
      key: await agentKey(t.reviewer, [agent]),
      upstream: [process.execPath, filesystemServer, files],
      extra: ['--server', 'fs'],
    });
  }, 60_000);
  afterAll(() => gw?.close());

  it('lists the real server tools under their own names', async () => {
    const names = (await gw.client.listTools()).tools.map((x) => x.name);
    expect(names).toEqual(
      expect.arrayContaining(['read_text_file', 'write_file', 'move_file', 'list_directory']),
    );
  });

  it('ALLOWED: a real file read, recorded as an mcp decision', async () => {
    const read = await gw.client.callTool({
      name: 'read_text_file',
      arguments: { path: at('notes.txt') },
    });
    expect(read.isError).toBeFalsy();
    expect(text(read)).toBe('quarterly numbers');
    await t.aegis.flush();
    const { entries } = await t.reviewer.audit.list.query({ agent, action: 'fs.read_text_file' });
    expect(entries[0]).toMatchObject({ status: 'ALLOWED', channel: 'mcp' });
  });

  it('BLOCKED: write_file is refused and the file is not created', async () => {
    const write = await gw.client.callTool({
      name: 'write_file',
      arguments: { path: at('evil.txt'), content: 'pwned' },
    });
    expect(write.isError).toBe(true);
    expect(text(write)).toMatch(/Aegis blocked "write_file".*Do not retry/);
    expect(existsSync(at('evil.txt'))).toBe(false);
  });

  it('REVIEW approved: the move waits for a person, then runs once', async () => {
    writeFileSync(at('a.txt'), 'to move');
    const created = await nextApproval(agent);
    const progress: string[] = [];
    const call = gw.client.callTool(
      { name: 'move_file', arguments: { source: at('a.txt'), destination: at('b.txt') } },
      undefined,
      { onprogress: (p) => progress.push(p.message ?? ''), resetTimeoutOnProgress: true },
    );
    const id = await created.event;
    await expect.poll(() => progress.some((m) => m.includes(`approval #${id}`))).toBe(true);
    expect(existsSync(at('b.txt'))).toBe(false);
    await t.reviewer.approvals.decide.mutate({ id, decision: 'APPROVED' });
    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(readFileSync(at('b.txt'), 'utf8')).toBe('to move');
    expect(existsSync(at('a.txt'))).toBe(false);
    await expect
      .poll(
        async () =>
          (await t.reviewer.audit.list.query({ agent, action: 'fs.move_file' })).entries
            .filter((e) => e.status === 'ALLOWED')
            .map((e) => e.outcome),
        { timeout: 10_000 },
      )
      .toEqual(['ok']);
  });

  it('REVIEW denied: the waiting call returns the refusal and nothing moves', async () => {
    writeFileSync(at('c.txt'), 'stays');
    const created = await nextApproval(agent);
    const call = gw.client.callTool({
      name: 'move_file',
      arguments: { source: at('c.txt'), destination: at('d.txt') },
    });
    await t.reviewer.approvals.decide.mutate({ id: await created.event, decision: 'DENIED' });
    const result = await call;
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/denied it.*Do not retry/);
    expect(existsSync(at('c.txt'))).toBe(true);
    expect(existsSync(at('d.txt'))).toBe(false);
  });

  it('cancellation: a cancelled call expires its approval; approving it later moves nothing', async () => {
    writeFileSync(at('e.txt'), 'stays too');
    const created = await nextApproval(agent);
    const abort = new AbortController();
    const call = gw.client
      .callTool(
        { name: 'move_file', arguments: { source: at('e.txt'), destination: at('f.txt') } },
        undefined,
        { signal: abort.signal },
      )
      .catch((e: unknown) => e);
    const id = await created.event;
    const expired = await watchFor(t.aegis, (e) =>
      e.type === 'approval.decided' && e.approval.id === id ? e.approval.status : undefined,
    );
    abort.abort();
    expect(await call).toBeInstanceOf(Error);
    expect(await expired.event).toBe('EXPIRED');
    await expect(
      t.reviewer.approvals.decide.mutate({ id, decision: 'APPROVED' }),
    ).rejects.toThrow();
    expect(existsSync(at('f.txt'))).toBe(false);
    expect(existsSync(at('e.txt'))).toBe(true);
  });

  it("DLP: a result rule redacts the file's SSN and card number before the client reads them", async () => {
    const result = await gw.client.callTool({
      name: 'read_text_file',
      arguments: { path: at('customer.txt') },
    });
    expect(result.isError).toBeFalsy();
    const shown = text(result);
    expect(shown).toContain('Jane Roe');
    expect(shown).toContain('prefers email');
    expect(shown).not.toContain(SSN);
    expect(shown).not.toContain(CARD);
    // the file itself is untouched: only what the client sees is masked
    expect(readFileSync(at('customer.txt'), 'utf8')).toContain(SSN);
  });

  it('kill-switch mid-session: the next read is refused, revive lets reads through again', async () => {
    const read = () =>
      gw.client.callTool({ name: 'read_text_file', arguments: { path: at('notes.txt') } });
    expect(text(await read())).toBe('quarterly numbers');
    await t.reviewer.agents.setStatus.mutate({ name: agent, status: 'PAUSED' });
    try {
      const refused = await read();
      expect(refused.isError).toBe(true);
      expect(text(refused)).toMatch(/kill-switch/);
    } finally {
      await t.reviewer.agents.setStatus.mutate({ name: agent, status: 'ACTIVE' });
    }
    expect(text(await read())).toBe('quarterly numbers');
  });
});

describe('aegis mcp in front of @modelcontextprotocol/server-everything (stdio)', () => {
  let agent: string;
  let gw: StdioGateway;

  beforeAll(async () => {
    agent = uniqueAgent('mcp-everything');
    await t.aegis
      .agent(agent, {
        allows: ['everything.echo', 'everything.trigger-long-running-operation'],
        blocks: ['everything.get-env'],
        review: ['everything.get-sum'],
      })
      .register();
    gw = await stdioGateway({
      agent,
      url: t.server.url,
      key: await agentKey(t.reviewer, [agent]),
      upstream: [process.execPath, everythingServer, 'stdio'],
      extra: ['--server', 'everything'],
    });
  }, 60_000);
  afterAll(() => gw?.close());

  it('allows echo, and blocks get-env: its environment never reaches the client', async () => {
    expect(
      text(await gw.client.callTool({ name: 'echo', arguments: { message: 'hi there' } })),
    ).toContain('hi there');
    const env = await gw.client.callTool({ name: 'get-env', arguments: {} });
    expect(env.isError).toBe(true);
    expect(text(env)).toMatch(/Aegis blocked "get-env"/);
    expect(JSON.stringify(env.content)).not.toContain(process.env.PATH ?? 'PATH');
  });

  it('REVIEW approved: get-sum runs once a person approves it', async () => {
    const created = await nextApproval(agent);
    const call = gw.client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } });
    await t.reviewer.approvals.decide.mutate({ id: await created.event, decision: 'APPROVED' });
    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(text(result)).toMatch(/5/);
  });

  it("the upstream's own progress notifications reach the client", async () => {
    const progress: number[] = [];
    const long = await gw.client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.4, steps: 4 } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(text(long)).toMatch(/completed/);
    // (the last step's notification can land after the result, when the client stops listening)
    expect(progress.length).toBeGreaterThanOrEqual(2);
  });
});

describe('Aegis down, in front of server-filesystem (stdio)', () => {
  it('every call is refused with a clear message; nothing is read or written', async () => {
    const agent = uniqueAgent('mcp-fs-down');
    await t.aegis.agent(agent, { allows: ['fs.write_file', 'fs.read_text_file'] }).register();
    const gw = await stdioGateway({
      agent,
      url: `http://127.0.0.1:${await deadPort()}`,
      key: await agentKey(t.reviewer, [agent]),
      upstream: [process.execPath, filesystemServer, files],
      extra: ['--server', 'fs'],
    });
    try {
      const write = await gw.client.callTool({
        name: 'write_file',
        arguments: { path: at('while-down.txt'), content: 'x' },
      });
      expect(write.isError).toBe(true);
      expect(text(write)).toMatch(/could not be reached.*fails closed/);
      expect(existsSync(at('while-down.txt'))).toBe(false);
      const read = await gw.client.callTool({
        name: 'read_text_file',
        arguments: { path: at('notes.txt') },
      });
      expect(read.isError).toBe(true);
      expect(text(read)).not.toContain('quarterly numbers');
    } finally {
      await gw.close();
    }
  });
});
