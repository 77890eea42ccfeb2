import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { Command } from '@langchain/langgraph';
import { startEmbeddedMongo, type EmbeddedMongo } from 'embedded-mongo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  resumeOnDecision,
  type AegisInterrupt,
  type PausedApproval,
  type Resumer,
} from '../src/langchain/index';
import { interruptGraph, interruptPolicy } from './helpers/interruptGraph';
import { uniqueAgent, useSdkServer } from './helpers/server';

const t = useSdkServer();
let store: EmbeddedMongo;
let storeDir: string;

beforeAll(async () => {
  // The checkpoints live in an on-disk embedded store, as they would across an agent's restarts.
  storeDir = await mkdtemp(path.join(tmpdir(), 'aegis-checkpoints-'));
  store = await startEmbeddedMongo({ dir: storeDir });
});
afterAll(async () => {
  await store.close();
  await rm(storeDir, { recursive: true, force: true });
});

const transferCall = (amount: number, id = 'call-1') =>
  new AIMessage({
    content: '',
    tool_calls: [{ name: 'transfer', args: { to: 'acct-7', amount }, id }],
  });

function toolMessage(messages: BaseMessage[]): ToolMessage | undefined {
  return messages.find((m): m is ToolMessage => ToolMessage.isInstance(m));
}

/** The Aegis interrupt a run paused on (LangGraph returns it as `__interrupt__`). */
function pausedOn(out: unknown): AegisInterrupt['aegis'] {
  const interrupts = (out as { __interrupt__?: Array<{ value?: unknown }> }).__interrupt__;
  const value = interrupts?.[0]?.value as AegisInterrupt | undefined;
  if (!value) throw new Error(`the run did not pause: ${JSON.stringify(out).slice(0, 300)}`);
  return value.aegis;
}

/** A resumer whose next resumed run is awaited with `next()`. */
function resumerFor(...args: Parameters<typeof resumeOnDecision>) {
  const results: Array<{ approval: PausedApproval; result: unknown }> = [];
  const waiters: Array<() => void> = [];
  const resumer: Resumer = resumeOnDecision(args[0], args[1], {
    ...args[2],
    onResumed: (approval, result) => {
      results.push({ approval, result });
      waiters.shift()?.();
    },
    onError: (error) => {
      throw error;
    },
  });
  const next = async () => {
    if (results.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
    return results.shift()!;
  };
  return { resumer, next };
}

describe("wrapTools review: 'interrupt'", () => {
  it('a REVIEW pauses the graph; approving on the dashboard resumes it and the tool runs once', async () => {
    const name = uniqueAgent('intr');
    const handle = t.aegis.agent(name, interruptPolicy);
    const { graph, ran, close } = interruptGraph(handle, store.uri, [
      transferCall(50),
      new AIMessage('Paid.'),
    ]);
    const thread = { configurable: { thread_id: `${name}-t1` } };
    const { resumer, next } = resumerFor(handle, graph);
    try {
      await resumer.ready;
      const paused = pausedOn(
        await graph.invoke({ messages: [new HumanMessage('Pay acct-7 $50')] }, thread),
      );
      expect(ran).toEqual([]);
      expect(paused).toMatchObject({
        agent: name,
        action: 'transfer',
        args: { to: 'acct-7', amount: 50 },
      });
      expect(paused.url).toContain(`/approvals?id=${paused.approvalId}`);

      const approval = await t.reviewer.approvals.byId.query({ id: paused.approvalId });
      expect(approval.pausedRun).toMatchObject({
        threadId: `${name}-t1`,
        toolCallId: 'call-1',
        resumedAt: null,
      });

      await t.reviewer.approvals.decide.mutate({ id: paused.approvalId, decision: 'APPROVED' });
      const { result } = await next();
      const messages = (result as { messages: BaseMessage[] }).messages;
      expect(toolMessage(messages)?.content).toBe('Sent $50 to acct-7');
      expect(messages.at(-1)?.content).toBe('Paid.');
      expect(ran).toEqual(['acct-7:50']);

      const after = await t.reviewer.approvals.byId.query({ id: paused.approvalId });
      expect(after.consumedAt).not.toBeNull();
      expect(after.pausedRun?.resumedAt).not.toBeNull();
      // Resuming again is refused: the approval was single-use and the run is claimed.
      await expect(t.aegis.api.sdk.markResumed.mutate({ id: paused.approvalId })).rejects.toThrow(
        /resumed already/,
      );
      const { entries } = await t.reviewer.audit.list.query({ agent: name, limit: 20 });
      const allowed = entries.filter((e) => e.action === 'transfer' && e.status === 'ALLOWED');
      expect(allowed).toHaveLength(1);
      expect(allowed[0]?.approvalId).toBe(paused.approvalId);
    } finally {
      resumer.stop();
      await close();
    }
  });

  it('denied: the model reads the refusal, the tool never runs, no second approval is opened', async () => {
    const name = uniqueAgent('intr');
    const handle = t.aegis.agent(name, interruptPolicy);
    const { graph, ran, close } = interruptGraph(handle, store.uri, [
      transferCall(9000),
      new AIMessage('Could not pay.'),
    ]);
    const thread = { configurable: { thread_id: `${name}-t1` } };
    const { resumer, next } = resumerFor(handle, graph);
    try {
      await resumer.ready;
      const paused = pausedOn(await graph.invoke({ messages: [new HumanMessage('Pay')] }, thread));
      await t.reviewer.approvals.decide.mutate({ id: paused.approvalId, decision: 'DENIED' });
      const { result } = await next();
      const refusal = toolMessage((result as { messages: BaseMessage[] }).messages);
      expect(refusal?.status).toBe('error');
      expect(refusal?.content).toMatch(new RegExp(`denied approval #${paused.approvalId}`));
      expect(ran).toEqual([]);
      const { approvals } = await t.reviewer.approvals.list.query({ agent: name, limit: 10 });
      expect(approvals.map((a) => a.id)).toEqual([paused.approvalId]);
    } finally {
      resumer.stop();
      await close();
    }
  });

  it('arguments changed before the resume: refused, even though the approval was approved', async () => {
    const name = uniqueAgent('intr');
    const handle = t.aegis.agent(name, interruptPolicy);
    const { graph, ran, close } = interruptGraph(handle, store.uri, [
      transferCall(50),
      new AIMessage('Done.'),
    ]);
    const thread = { configurable: { thread_id: `${name}-t1` } };
    try {
      const paused = pausedOn(await graph.invoke({ messages: [new HumanMessage('Pay')] }, thread));
      await t.reviewer.approvals.decide.mutate({ id: paused.approvalId, decision: 'APPROVED' });
      // Someone edits the checkpointed tool call (same message id, same call id) before resuming.
      const state = await graph.getState(thread);
      const pending = (state.values as { messages: BaseMessage[] }).messages.at(-1) as AIMessage;
      await graph.updateState(
        thread,
        {
          messages: [
            new AIMessage({
              id: pending.id,
              content: '',
              tool_calls: [
                { ...pending.tool_calls![0]!, args: { to: 'acct-666', amount: 50_000 } },
              ],
            }),
          ],
        },
        'agent',
      );
      const out = await graph.invoke(
        new Command({ resume: { approvalId: paused.approvalId, status: 'APPROVED' } }),
        thread,
      );
      const refusal = toolMessage(out.messages);
      expect(refusal?.status).toBe('error');
      expect(refusal?.content).toMatch(/differs from the one under approval/);
      expect(ran).toEqual([]);
      const approval = await t.reviewer.approvals.byId.query({ id: paused.approvalId });
      expect(approval.consumedAt).toBeNull(); // the approved call was never made
    } finally {
      await close();
    }
  });

  it('the agent process is killed while paused; after the decision a new process resumes the run', async () => {
    const name = uniqueAgent('intr');
    await t.aegis.agent(name, interruptPolicy).register();
    const threadId = `${name}-restart`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures/pauseOnReview.ts')],
      {
        env: {
          ...process.env,
          AEGIS_URL: t.server.url,
          AEGIS_API_KEY: t.server.adminKey,
          AGENT: name,
          STORE_URI: store.uri,
          THREAD: threadId,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the agent process exited early (${code})`)));
    });
    const approvalId = (JSON.parse(line) as { interrupts: Array<{ value: AegisInterrupt }> })
      .interrupts[0]!.value.aegis.approvalId;
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    // Decided while no agent process is running.
    await t.reviewer.approvals.decide.mutate({ id: approvalId, decision: 'APPROVED' });

    // "The restarted process": a fresh client, graph and checkpointer; its resumer finds the run.
    const handle = t.aegis.agent(name, interruptPolicy);
    const { graph, ran, close } = interruptGraph(handle, store.uri, [
      new AIMessage('Paid after restart.'),
    ]);
    const { resumer, next } = resumerFor(handle, graph);
    try {
      const { approval, result } = await next();
      expect(approval.id).toBe(approvalId);
      const messages = (result as { messages: BaseMessage[] }).messages;
      expect(toolMessage(messages)?.content).toBe('Sent $75 to acct-9');
      expect(messages.at(-1)?.content).toBe('Paid after restart.');
      expect(ran).toEqual(['acct-9:75']);
    } finally {
      resumer.stop();
      await close();
    }
  });
});

describe("aegisMiddleware review: 'interrupt'", () => {
  it('createAgent with a checkpointer pauses on REVIEW and resumes on approval', async () => {
    const { createAgent } = await import('langchain');
    const { aegisMiddleware } = await import('../src/langchain/index');
    const { MongoDBSaver } = await import('@langchain/langgraph-checkpoint-mongodb');
    const { MongoClient } = await import('mongodb');
    const { tool } = await import('@langchain/core/tools');
    const { fakeModel } = await import('@langchain/core/testing');
    const { z } = await import('zod');
    const name = uniqueAgent('intr-mw');
    t.aegis.agent(name, interruptPolicy);
    const ran: number[] = [];
    const transfer = tool(
      ({ amount }) => {
        ran.push(amount);
        return `Sent $${amount}`;
      },
      {
        name: 'transfer',
        description: 'Sends money',
        schema: z.object({ to: z.string(), amount: z.number() }),
      },
    );
    const client = new MongoClient(store.uri);
    const agent = createAgent({
      model: fakeModel().respond(transferCall(20, 'mw-1')).respond(new AIMessage('ok')),
      tools: [transfer],
      middleware: [aegisMiddleware(t.aegis, name, { review: 'interrupt' })],
      checkpointer: new MongoDBSaver({ client, dbName: 'checkpoints' }),
    });
    const thread = { configurable: { thread_id: `${name}-t1` } };
    const { resumer, next } = resumerFor(t.aegis, agent, { agents: [name] });
    try {
      await resumer.ready;
      const paused = pausedOn(await agent.invoke({ messages: [new HumanMessage('Pay')] }, thread));
      expect(ran).toEqual([]);
      await t.reviewer.approvals.decide.mutate({ id: paused.approvalId, decision: 'APPROVED' });
      const { result } = await next();
      expect(toolMessage((result as { messages: BaseMessage[] }).messages)?.content).toBe(
        'Sent $20',
      );
      expect(ran).toEqual([20]);
    } finally {
      resumer.stop();
      await client.close();
    }
  });
});
