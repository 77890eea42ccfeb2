import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Aegis, AegisApi } from '../src/index';
import { reviewerFor, sdkFor, startTestServer, uniqueAgent, watchFor } from './helpers/server';

// More decisions than one sdk.recordBatch may carry (the server takes ≤ 1000 entries per batch):
// the shipper must split them, and must not lose any batch along the way.
const CALLS = 5_000;

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'aegis-sdk-burst-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Every audit entry of one agent, page by page (a page holds at most 200). */
async function allEntries(api: AegisApi, agent: string) {
  const all: { callId: string | null; status: string }[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = await api.audit.list.query({ agent, limit: 200, cursor });
    all.push(...page.entries);
    const last = page.entries.at(-1);
    if (page.entries.length < 200 || !last) return all;
    cursor = last.id;
  }
}

it('a burst of local decisions reaches the server in full, each entry once', async () => {
  const server = await startTestServer({ inMemoryStore: true });
  const spoolPath = path.join(scratch, 'burst.jsonl');
  const aegis = sdkFor(server, { mode: 'local', spoolPath });
  const name = uniqueAgent('local-burst');
  try {
    // Blocked calls are decided and recorded like any other, without an outcome report each.
    const handle = aegis.agent(name, { blocks: ['ping'] });
    await handle.register();
    let refused = 0;
    for (let i = 0; i < CALLS; i++)
      await handle.call('ping', { i }, () => i).catch(() => void refused++);
    expect(refused).toBe(CALLS);
  } finally {
    await aegis.close();
  }
  try {
    const entries = await allEntries(reviewerFor(server), name);
    expect(entries).toHaveLength(CALLS);
    expect(new Set(entries.map((e) => e.callId)).size).toBe(CALLS);
    expect(entries.every((e) => e.status === 'BLOCKED')).toBe(true);
    // Everything was acknowledged, so nothing is left in the spool.
    expect((await readFile(spoolPath, 'utf8').catch(() => '')).trim()).toBe('');
  } finally {
    await server.close();
  }
});

/** Sets the agent's kill-switch and waits until this client's local mode has seen it. */
async function setStatus(
  aegis: Aegis,
  server: { url: string; adminKey: string },
  name: string,
  status: 'ACTIVE' | 'PAUSED',
) {
  const seen = await watchFor(aegis, (e) =>
    e.type === 'agent.status' && e.agent === name && e.status === status ? true : undefined,
  );
  await reviewerFor(server).agents.setStatus.mutate({ name, status });
  await seen.event;
}

it('a batch the server refuses stays in the spool, is reported, and is never dropped', async () => {
  const server = await startTestServer({ inMemoryStore: true });
  const spoolPath = path.join(scratch, 'refused.jsonl');
  const aegis = sdkFor(server, { mode: 'local', spoolPath });
  const name = uniqueAgent('local-refused');
  const handle = aegis.agent(name, { allows: ['ping'] });
  try {
    await handle.register();
    // A paused agent is refused locally whatever the action, so this record reaches the server
    // with an action name its schema rejects: the whole batch is refused (400).
    await setStatus(aegis, server, name, 'PAUSED');
    await handle.call('bad action', {}, () => 'x').catch(() => undefined);
    await aegis.flush();
    expect(aegis.backgroundErrors.length).toBeGreaterThan(0);
    await setStatus(aegis, server, name, 'ACTIVE');
    await expect(handle.call('ping', {}, () => 'pong')).resolves.toBe('pong');
    await aegis.flush(); // keeps the order: the new record waits behind the refused one
    const spooled = (await readFile(spoolPath, 'utf8')).trim().split('\n');
    // The ping's outcome waits in the spool with its record: nothing about the call is lost.
    expect(spooled.map((line) => JSON.parse(line) as { action: string; outcome?: string })).toEqual(
      [
        expect.objectContaining({ action: 'bad action' }),
        expect.objectContaining({ action: 'ping', outcome: 'ok' }),
      ],
    );
  } finally {
    await aegis.close();
    await server.close();
  }
  // close() tells the truth: records are still in the spool, for the next run to ship.
  const messages = aegis.backgroundErrors.map((e) => (e as Error).message);
  expect(messages.some((m) => m.includes('still in the spool'))).toBe(true);
});
