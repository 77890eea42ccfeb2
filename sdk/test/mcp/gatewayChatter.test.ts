import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  type Notification,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueAgent, useSdkServer } from '../helpers/server';
import { aegisBin, agentKey, buildCli, sdkDir, tempDir } from './helpers';

// Attack review 10: what an upstream sends the client besides a tool's result. A progress message
// and a log notification carried a card number past the result rules, raw; and while the
// kill-switch had the agent paused, the upstream still drove the client's model (sampling) and
// asked its person (elicitation). Real gateway binary, real server, a raw JSON-RPC upstream.

const CARD = '4111 1111 1111 1111';
const chatty = path.join(sdkDir, 'test', 'mcp', 'fixtures', 'chattyUpstream.mjs');
const t = useSdkServer();
const tmp = tempDir('aegis-mcp-chatter-');
let agent: string;
let key: string;

beforeAll(async () => {
  await buildCli();
  agent = uniqueAgent('mcp-chatter');
  // The upstream sampling the client's model is an action of the agent: listed here, it passes.
  await t.aegis
    .agent(agent, { allows: ['chatty.work', 'chatty.ask', 'chatty.mcp:sampling'] })
    .register();
  key = await agentKey(t.reviewer, [agent]);
}, 120_000);
afterAll(() => tmp.remove());

interface Seen {
  client: Client;
  notes: Notification[];
  sampled: number;
  elicited: number;
  /** What the client's "model" answers a sampling request with. */
  answer: string;
  log: () => Array<Record<string, unknown>>;
}

async function gateway(
  name: string,
  env: Record<string, string> = {},
  as: { agent: string; key: string } = { agent, key },
): Promise<Seen> {
  const logFile = path.join(tmp.dir, `${name}.jsonl`);
  const client = new Client(
    { name: 'chatter-test', version: '1' },
    { capabilities: { sampling: {}, elicitation: {} } },
  );
  const seen: Seen = {
    client,
    notes: [],
    sampled: 0,
    elicited: 0,
    answer: 'hi',
    log: () => {
      try {
        return readFileSync(logFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      } catch {
        return [];
      }
    },
  };
  client.setRequestHandler(CreateMessageRequestSchema, () => {
    seen.sampled++;
    return { role: 'assistant', content: { type: 'text', text: seen.answer }, model: 'test' };
  });
  client.setRequestHandler(ElicitRequestSchema, () => {
    seen.elicited++;
    return { action: 'accept', content: { name: 'Ada' } };
  });
  client.fallbackNotificationHandler = (n) => {
    seen.notes.push(n);
    return Promise.resolve();
  };
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [
        aegisBin,
        'mcp',
        '--agent',
        as.agent,
        '--server',
        'chatty',
        '--no-pins',
        '--',
        process.execPath,
        chatty,
      ],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        AEGIS_URL: t.server.url,
        AEGIS_API_KEY: as.key,
        CHATTY_LOG: logFile,
        ...env,
      },
      stderr: 'pipe',
    }),
  );
  return seen;
}

const until = async (what: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!what() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
};

describe('aegis mcp: what an upstream sends besides results', () => {
  it("a tool's progress messages and log notifications reach the client with cards masked", async () => {
    const g = await gateway('masked');
    try {
      const progress: Progress[] = [];
      const result = await g.client.callTool({ name: 'work', arguments: {} }, undefined, {
        onprogress: (p) => progress.push(p),
      });
      expect(JSON.stringify(result)).toContain('done');
      await until(() => g.notes.some((n) => n.method === 'notifications/message'));
      const log = g.notes.find((n) => n.method === 'notifications/message');
      expect(log).toBeDefined();
      expect(progress.some((p) => p.message?.includes('1111'))).toBe(true);
      expect(JSON.stringify([progress, g.notes])).not.toContain(CARD);
      expect(JSON.stringify(log)).toContain('************1111');
    } finally {
      await g.client.close();
    }
  });

  it('an active agent: sampling and elicitation pass through', async () => {
    const g = await gateway('active');
    try {
      await g.client.callTool({ name: 'ask', arguments: {} });
      expect([g.sampled, g.elicited]).toEqual([1, 1]);
      expect(g.log()).toEqual([
        expect.objectContaining({
          elicitation: { result: { action: 'accept', content: { name: 'Ada' } } },
        }),
      ]);
    } finally {
      await g.client.close();
    }
  });

  it("a paused agent: the upstream can't sample the client's model or log a card raw on its own", async () => {
    await t.reviewer.agents.setStatus.mutate({
      name: agent,
      status: 'PAUSED',
      reason: 'review 10',
    });
    const g = await gateway('paused', { CHATTY_UNPROMPTED: '1' });
    try {
      await g.client.listTools();
      await until(() => g.log().length > 0);
      expect(g.sampled).toBe(0);
      expect(String((g.log()[0]?.unprompted as { error?: string } | undefined)?.error)).toContain(
        'paused by the kill-switch',
      );
      expect(JSON.stringify(g.notes)).not.toContain(CARD);
    } finally {
      await g.client.close();
      await t.reviewer.agents.setStatus.mutate({ name: agent, status: 'ACTIVE' });
    }
  });
});

describe("aegis mcp: an upstream sampling the client's model is decided as <upstream>.mcp:sampling", () => {
  // Attack review 10 (a low, now closed): the model's answer went back to the upstream with no
  // decision, no record and no DLP — and with `includeContext` it can carry what other upstreams
  // returned — while the same upstream's tool calls were decided.
  const policy = (name: string, rules: string[]) =>
    t.reviewer.policies.applyRules.mutate({
      yaml: ['kind: AgentPolicy', `agent: ${name}`, 'default: ALLOW', 'rules:', ...rules, ''].join(
        '\n',
      ),
    });
  const entries = (name: string) =>
    t.reviewer.audit.list
      .query({ agent: name, action: 'chatty.mcp:sampling' })
      .then((r) => r.entries);

  it("a result rule masks a card in the model's answer before the upstream gets it; the call is on the record", async () => {
    const name = uniqueAgent('mcp-sampling-redact');
    await t.aegis.agent(name, { allows: ['chatty.ask'] }).register();
    const applied = await policy(name, [
      '  - id: no-cards-to-upstreams',
      '    on: result',
      '    actions: [chatty.mcp:sampling]',
      "    when: dlp.found('card')",
      '    effect: REDACT',
    ]);
    expect(applied.ok).toBe(true);
    const g = await gateway(
      'sampling-redact',
      {},
      { agent: name, key: await agentKey(t.reviewer, [name]) },
    );
    g.answer = `Sure: the card on file is ${CARD}.`;
    try {
      await g.client.callTool({ name: 'ask', arguments: {} });
      expect(g.sampled).toBe(1);
      const got = JSON.stringify(g.log()[0]?.sampling);
      expect(got).toContain('************1111');
      expect(got).not.toContain(CARD);
      await expect
        .poll(async () => (await entries(name))[0], { timeout: 10_000 })
        .toMatchObject({ status: 'ALLOWED', outcome: 'ok', resultEffect: 'REDACT' });
    } finally {
      await g.client.close();
    }
  });

  it("a BLOCK on it: the client's model is never asked, the upstream gets Aegis's refusal", async () => {
    const name = uniqueAgent('mcp-sampling-block');
    await t.aegis.agent(name, { allows: ['chatty.ask'] }).register();
    const applied = await policy(name, [
      '  - id: no-sampling',
      '    actions: [chatty.mcp:sampling]',
      '    effect: BLOCK',
      '    reason: Upstreams may not use our model',
    ]);
    expect(applied.ok).toBe(true);
    const g = await gateway(
      'sampling-block',
      {},
      { agent: name, key: await agentKey(t.reviewer, [name]) },
    );
    try {
      await g.client.callTool({ name: 'ask', arguments: {} });
      expect(g.sampled).toBe(0);
      expect(String((g.log()[0]?.sampling as { error?: string }).error)).toContain(
        'Aegis refused "chatty.mcp:sampling" (BLOCKED): Upstreams may not use our model',
      );
      // Elicitation (the person answering the upstream) still passes: the person chose to.
      expect(g.elicited).toBe(1);
      expect((await entries(name))[0]).toMatchObject({ status: 'BLOCKED' });
    } finally {
      await g.client.close();
    }
  });
});
