import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkFor, startTestServer, uniqueAgent, watchFor, type TestServer } from './helpers/server';

// Local mode decides on the arguments' JSON form — what a strict call sends — and within the
// server's limits, so it never allows what the server would block or refuse (an attack review
// had a card in a `new String(...)`, behind `toJSON`, 70 levels down or past 1 MiB pass locally).
const CARD = '4111 1111 1111 1111';
let server: TestServer;
let scratch: string;
beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  scratch = await mkdtemp(path.join(tmpdir(), 'aegis-sdk-wire-'));
});
afterAll(async () => {
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

const nested = (depth: number, leaf: unknown): Record<string, unknown> => {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = { n: value };
  return value as Record<string, unknown>;
};

describe('local mode decides what the server would', () => {
  it('a card behind a String object, toJSON or a Date-like value is found as on the wire, in both modes', async () => {
    const name = uniqueAgent('wire');
    const admin = sdkFor(server);
    await admin.agent(name, { allows: ['send'] }).register();
    const applied = await admin.api.policies.applyRules.mutate({
      yaml: `kind: AgentPolicy\nagent: ${name}\nrules:\n  - id: no-cards\n    actions: [send]\n    when: dlp.found('card')\n    effect: BLOCK\n`,
    });
    expect(applied.ok).toBe(true);
    const shapes: Array<Record<string, unknown>> = [
      { memo: CARD },
      { memo: new String(CARD) },
      { memo: { toJSON: () => CARD } },
      { memo: [undefined, CARD] },
    ];
    for (const mode of ['local', 'strict'] as const) {
      const aegis = sdkFor(server, { mode, spoolPath: path.join(scratch, `${mode}.jsonl`) });
      try {
        const handle = aegis.agent(name, { allows: ['send'] });
        for (const args of shapes) {
          let ran = false;
          const outcome = await handle
            .call('send', args, () => (ran = true))
            .then(
              () => 'ran',
              (e: unknown) => (e as { code?: string }).code,
            );
          expect({ mode, args: JSON.stringify(args), outcome, ran }).toEqual({
            mode,
            args: JSON.stringify(args),
            outcome: 'BLOCKED',
            ran: false,
          });
        }
        await aegis.flush();
        expect(aegis.backgroundErrors).toEqual([]);
      } finally {
        await aegis.close();
      }
    }
    await admin.close();
  });

  it('a tag declared for a tool counts when a call leaves it out, in both modes; one added later reaches the snapshot', async () => {
    const name = uniqueAgent('tags');
    const admin = sdkFor(server);
    await admin
      .agent(name, {
        tools: [{ name: 'drop_table', tags: ['destructive'] }, { name: 'read_rows' }],
      })
      .register();
    const applied = await admin.api.policies.applyRules.mutate({
      yaml: `kind: AgentPolicy\nagent: ${name}\nrules:\n  - id: no-destructive\n    actions: ["*"]\n    when: '"destructive" in tool.tags'\n    effect: BLOCK\n  - id: rest\n    actions: ["*"]\n    effect: ALLOW\n`,
    });
    expect(applied.ok).toBe(true);
    const outcome = (promise: Promise<unknown>) =>
      promise.then(
        () => 'ran',
        (e: unknown) => (e as { code?: string }).code,
      );
    // strict first: local mode's turn declares a tag on read_rows
    for (const mode of ['strict', 'local'] as const) {
      const sources: string[] = [];
      const aegis = sdkFor(server, {
        mode,
        spoolPath: path.join(scratch, `tags-${mode}.jsonl`),
        onDecision: (e) => void sources.push(e.source),
      });
      try {
        const handle = aegis.agent(name);
        for (const tool of [undefined, { tags: [] }, { tags: ['other'] }]) {
          expect({
            mode,
            tool,
            got: await outcome(handle.call('drop_table', {}, () => 1, { tool })),
          }).toEqual({
            mode,
            tool,
            got: 'BLOCKED',
          });
        }
        expect(await outcome(handle.call('read_rows', {}, () => 1))).toBe('ran');
        if (mode === 'local') {
          expect(sources.every((s) => s === 'local')).toBe(true);
          // the agent declares a tag on another tool (tightening: at once), and local mode re-reads
          const { version } = await admin.api.policies.forAgent.query({ agent: name });
          const changed = await watchFor(aegis, (e) =>
            e.type === 'policy.changed' && e.agent === name && e.version > version
              ? true
              : undefined,
          );
          await admin.api.sdk.registerAgent.mutate({
            name,
            tools: [{ name: 'read_rows', tags: ['destructive'] }],
          });
          await changed.event;
          expect(await outcome(handle.call('read_rows', {}, () => 1))).toBe('BLOCKED');
        }
        await aegis.flush();
        // the server took every local record: its report check agrees with the local decisions
        expect(aegis.backgroundErrors).toEqual([]);
      } finally {
        await aegis.close();
      }
    }
    await admin.close();
  });

  it('arguments nested past what the server takes are refused before anything runs, and shipping goes on', async () => {
    const name = uniqueAgent('wire-deep');
    const aegis = sdkFor(server, { mode: 'local', spoolPath: path.join(scratch, 'deep.jsonl') });
    try {
      const handle = aegis.agent(name, { allows: ['send'] });
      let ran = false;
      await expect(handle.call('send', nested(70, CARD), () => (ran = true))).rejects.toMatchObject(
        { code: 'BAD_REQUEST', message: expect.stringMatching(/nested deeper/) },
      );
      expect(ran).toBe(false);
      // The deepest the server takes in a record still decides here and ships.
      await expect(handle.call('send', nested(60, 'ok'), () => 'sent')).resolves.toBe('sent');
      await expect(handle.call('send', { plain: 1 }, () => 'sent')).resolves.toBe('sent');
      await aegis.flush();
      expect(aegis.backgroundErrors).toEqual([]);
      const { entries } = await aegis.api.audit.list.query({ agent: name });
      expect(entries.map((e) => e.status)).toEqual(['ALLOWED', 'ALLOWED']);
    } finally {
      await aegis.close();
    }
  });

  it('arguments over the size the server takes go to the server, which refuses them on record', async () => {
    const name = uniqueAgent('wire-big');
    const aegis = sdkFor(server, { mode: 'local', spoolPath: path.join(scratch, 'big.jsonl') });
    try {
      const handle = aegis.agent(name, { allows: ['send'] });
      let ran = false;
      await expect(
        handle.call('send', { pad: 'x'.repeat(1_100_000), memo: CARD }, () => (ran = true)),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      expect(ran).toBe(false);
      const { entries } = await aegis.api.audit.list.query({ agent: name });
      expect(entries.map((e) => e.status)).toEqual(['BLOCKED']);
      expect(entries[0]!.details).toMatch(/bytes/);
    } finally {
      await aegis.close();
    }
  });
});
