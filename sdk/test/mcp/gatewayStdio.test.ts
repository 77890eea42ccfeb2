import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, ResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { uniqueAgent, useSdkServer, watchFor } from '../helpers/server';
import {
  agentKey,
  buildCli,
  executed,
  fixture,
  stdioGateway,
  tempDir,
  text,
  type StdioGateway,
} from './helpers';

const t = useSdkServer();
const tmp = tempDir('aegis-mcp-stdio-');
const log = path.join(tmp.dir, 'calls.jsonl');
let agent: string;
let gw: StdioGateway;

beforeAll(async () => {
  await buildCli();
  agent = uniqueAgent('mcp-stdio');
  await t.aegis
    .agent(agent, {
      allows: [
        'fixture.echo',
        'fixture.crash',
        'fixture.fail',
        'fixture.slow',
        'fixture.whoami_env',
      ],
      blocks: ['fixture.delete_records'],
      review: ['fixture.get_customer'],
    })
    .register();
  gw = await stdioGateway({
    agent,
    url: t.server.url,
    key: await agentKey(t.reviewer, [agent]),
    upstream: [process.execPath, fixture],
    extra: ['--server', 'fixture'],
    env: { FIXTURE_LOG: log },
  });
}, 120_000);

afterAll(async () => {
  await gw.close();
  tmp.remove();
});

/** The next approval Aegis opens for the agent, as a reviewer's dashboard sees it. */
const nextApproval = () =>
  watchFor(t.aegis, (e) =>
    e.type === 'approval.created' && e.approval.agent === agent ? e.approval.id : undefined,
  );

describe('aegis mcp over stdio, in front of a real MCP server', () => {
  it('lists the upstream tools under their own names', async () => {
    const { tools } = await gw.client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['echo', 'get_customer', 'delete_records', 'slow']),
    );
  });

  it('ALLOWED: forwards the call, and records the decision with its outcome', async () => {
    const result = await gw.client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    expect(result.isError).toBeFalsy();
    expect(text(result)).toBe('hello');
    await t.aegis.flush();
    const { entries } = await t.reviewer.audit.list.query({ agent, action: 'fixture.echo' });
    // marked as a gateway call, the mark in the hash chain like the rest of the entry
    expect(entries[0]).toMatchObject({ status: 'ALLOWED', source: 'server', channel: 'mcp' });
    // and exactly which upstream tool ran, on record and in the hash too
    expect(entries[0]).toMatchObject({ upstream: 'fixture', upstreamTool: 'echo' });
    expect(await t.reviewer.audit.verify.query()).toMatchObject({ ok: true });
    // the outcome report is asynchronous: it lands shortly after the result
    await expect
      .poll(
        async () =>
          (await t.reviewer.audit.list.query({ agent, action: 'fixture.echo' })).entries.find(
            (e) => e.status === 'ALLOWED',
          )?.outcome,
        { timeout: 10_000 },
      )
      .toBe('ok');
  });

  it('BLOCKED: a tool error telling the model not to retry; the upstream never runs it', async () => {
    const result = await gw.client.callTool({
      name: 'delete_records',
      arguments: { table: 'customers' },
    });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/Aegis blocked "delete_records".*Do not retry/);
    expect(executed(log).some((c) => c.tool === 'delete_records')).toBe(false);
  });

  it('REVIEW approved: the call waits, tells the client it waits, then runs once', async () => {
    const created = await nextApproval();
    const progress: string[] = [];
    const call = gw.client.callTool({ name: 'get_customer', arguments: { id: 7 } }, undefined, {
      onprogress: (p) => progress.push(p.message ?? ''),
      resetTimeoutOnProgress: true,
    });
    const id = await created.event;
    await expect.poll(() => progress.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(progress[0]).toContain(`approval #${id}`);
    expect(executed(log).some((c) => c.tool === 'get_customer')).toBe(false);
    await t.reviewer.approvals.decide.mutate({ id, decision: 'APPROVED' });
    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(text(result)).toContain('Customer 7');
    expect(executed(log).filter((c) => c.tool === 'get_customer')).toHaveLength(1);
  });

  it('REVIEW denied: the waiting call returns the refusal', async () => {
    const created = await nextApproval();
    const call = gw.client.callTool({ name: 'get_customer', arguments: { id: 8 } });
    await t.reviewer.approvals.decide.mutate({ id: await created.event, decision: 'DENIED' });
    const result = await call;
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/denied it.*Do not retry/);
    expect(executed(log).some((c) => (c.args as { id?: number }).id === 8)).toBe(false);
  });

  it('cancellation: a cancelled call cancels its pending approval', async () => {
    const created = await nextApproval();
    const abort = new AbortController();
    const call = gw.client
      .callTool({ name: 'get_customer', arguments: { id: 9 } }, undefined, { signal: abort.signal })
      .catch((e: unknown) => e);
    const id = await created.event;
    const expired = await watchFor(t.aegis, (e) =>
      e.type === 'approval.decided' && e.approval.id === id ? e.approval.status : undefined,
    );
    abort.abort();
    expect(await call).toBeInstanceOf(Error);
    expect(await expired.event).toBe('EXPIRED');
    // approving it now can't run anything
    await expect(
      t.reviewer.approvals.decide.mutate({ id, decision: 'APPROVED' }),
    ).rejects.toThrow();
    expect(executed(log).some((c) => (c.args as { id?: number }).id === 9)).toBe(false);
  });

  it('kill-switch mid-session: the next call is refused, revive lets calls through again', async () => {
    expect(text(await gw.client.callTool({ name: 'echo', arguments: { text: 'before' } }))).toBe(
      'before',
    );
    await t.reviewer.agents.setStatus.mutate({ name: agent, status: 'PAUSED' });
    const refused = await gw.client.callTool({ name: 'echo', arguments: { text: 'during' } });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/kill-switch/);
    expect(executed(log).some((c) => (c.args as { text?: string }).text === 'during')).toBe(false);
    // Reading data is acting too: no resource or prompt while paused.
    await expect(gw.client.readResource({ uri: 'fixture://readme' })).rejects.toThrow(
      /kill-switch/,
    );
    await expect(gw.client.getPrompt({ name: 'greet', arguments: { who: 'Ada' } })).rejects.toThrow(
      /kill-switch/,
    );
    await t.reviewer.agents.setStatus.mutate({ name: agent, status: 'ACTIVE' });
    expect(text(await gw.client.callTool({ name: 'echo', arguments: { text: 'after' } }))).toBe(
      'after',
    );
  });

  it('an unknown tool is refused without reaching Aegis or the upstream', async () => {
    const result = await gw.client.callTool({ name: 'rm_rf', arguments: {} });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/Unknown tool "rm_rf"/);
  });

  it('huge arguments are refused and never forwarded; the session keeps working', async () => {
    const huge = 'x'.repeat(3 * 1024 * 1024);
    const result = await gw.client.callTool({ name: 'echo', arguments: { text: huge } });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/at most 1024 KiB/);
    expect(
      executed(log).some((c) => ((c.args as { text?: string }).text ?? '').length > 1000),
    ).toBe(false);
    expect(
      text(await gw.client.callTool({ name: 'echo', arguments: { text: 'still here' } })),
    ).toBe('still here');
  });

  it("the upstream's own tool error comes back with what DLP finds masked, recorded as an error outcome", async () => {
    const result = await gw.client.callTool({ name: 'fail', arguments: {} });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe(
      'disk on fire writing SSN ***-**-8154 with [REDACTED:aws_access_key]',
    );
    expect(result.structuredContent).toEqual({ card: '************1111' });
    await expect
      .poll(
        async () =>
          (await t.reviewer.audit.list.query({ agent, action: 'fixture.fail' })).entries.find(
            (e) => e.status === 'ALLOWED',
          )?.outcome,
        { timeout: 10_000 },
      )
      .toBe('error');
    const failed = (await t.reviewer.audit.list.query({ agent, action: 'fixture.fail' })).entries;
    expect(JSON.stringify(failed)).not.toMatch(/536-22|AKIAIOSFODNN7EXAMPLE|4111 1111/);
  });

  it('upstream crash: the call fails with an error, the next call starts the upstream again', async () => {
    const crashed = await gw.client.callTool({ name: 'crash', arguments: {} });
    expect(crashed.isError).toBe(true);
    expect(text(crashed)).toMatch(/failed in its server/);
    expect(text(await gw.client.callTool({ name: 'echo', arguments: { text: 'back' } }))).toBe(
      'back',
    );
  });

  it('the upstream never sees Aegis credentials', async () => {
    const result = await gw.client.callTool({ name: 'whoami_env', arguments: {} });
    expect(JSON.parse(text(result))).toEqual([]);
  });

  it('a method the gateway does not know is refused, never relayed: no tool runs under a misspelled tools/call', async () => {
    for (const method of ['tools/call ', 'Tools/Call', 'x-vendor/run']) {
      await expect(
        gw.client.request(
          { method, params: { name: 'delete_records', arguments: { table: method } } },
          ResultSchema,
        ),
      ).rejects.toMatchObject({ code: ErrorCode.MethodNotFound });
    }
    await gw.client.notification({
      method: 'tools/call',
      params: { name: 'delete_records', arguments: { table: 'notified' } },
    });
    expect(text(await gw.client.callTool({ name: 'echo', arguments: { text: 'after' } }))).toBe(
      'after',
    );
    expect(
      executed(log).filter((c) => ['delete_records', 'relayed', 'notified'].includes(c.tool)),
    ).toEqual([]);
  });

  it('resources and prompts pass through', async () => {
    const read = await gw.client.readResource({ uri: 'fixture://readme' });
    expect(read.contents[0]).toMatchObject({ text: 'fixture readme' });
    const prompt = await gw.client.getPrompt({ name: 'greet', arguments: { who: 'Ada' } });
    expect(prompt.messages[0]?.content).toMatchObject({ text: 'Hello Ada' });
  });
});
