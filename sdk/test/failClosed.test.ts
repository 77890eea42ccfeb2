import { describe, expect, it } from 'vitest';
import { AegisUnavailableError, createAegis } from '../src/index';
import { sdkFor, startTestServer } from './helpers/server';

/** A URL nothing listens on: a server that was started once and stopped. */
async function deadServer() {
  const server = await startTestServer({ inMemoryStore: true });
  const { url, adminKey } = server;
  await server.close();
  return { url, adminKey };
}

describe('server unreachable', () => {
  it('refuses the call (fail closed) and never runs the body', async () => {
    const dead = await deadServer();
    const aegis = sdkFor(dead);
    let ran = false;
    const handle = aegis.agent('offline-agent', { allows: ['lookup_balance'] });
    const error = await handle
      .call('lookup_balance', {}, () => (ran = true))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AegisUnavailableError);
    expect(ran).toBe(false);
    await aegis.close();
  });

  it("runs unguarded only for an agent that chose failMode: 'open'", async () => {
    const dead = await deadServer();
    const events: string[] = [];
    const aegis = createAegis({
      url: dead.url,
      apiKey: dead.adminKey,
      onError: () => undefined,
      onDecision: (e) => void events.push(e.verdict),
    });
    const open = aegis.agent('lenient', { allows: ['ping'], failMode: 'open' });
    const closed = aegis.agent('strict', { allows: ['ping'] });
    await expect(open.call('ping', {}, () => 'pong')).resolves.toBe('pong');
    await expect(closed.call('ping', {}, () => 'pong')).rejects.toBeInstanceOf(
      AegisUnavailableError,
    );
    expect(events).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
    await aegis.close();
  });

  it("an answer is never 'unreachable': arguments refused as too large never run, even with failMode: 'open'", async () => {
    const server = await startTestServer({ inMemoryStore: true });
    try {
      const aegis = sdkFor({ url: server.url, adminKey: server.adminKey }, { failMode: 'open' });
      let ran = false;
      const error = await aegis
        .agent('padded', { allows: ['pay'] })
        .call('pay', { amount: 5_000, note: 'x'.repeat(70 * 1024) }, () => (ran = true))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BAD_REQUEST' });
      expect(error).not.toBeInstanceOf(AegisUnavailableError);
      expect(String((error as Error).message)).toMatch(/bytes/);
      expect(ran).toBe(false);
      await aegis.close();
    } finally {
      await server.close();
    }
  });

  it('reports a bad key as an error, not as unavailable', async () => {
    const server = await startTestServer({ inMemoryStore: true });
    try {
      const aegis = sdkFor({ url: server.url, adminKey: 'not-a-real-key' }, { failMode: 'open' });
      let ran = false;
      const error = await aegis
        .agent('x', { allows: ['ping'] })
        .call('ping', {}, () => (ran = true))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(ran).toBe(false);
      await aegis.close();
    } finally {
      await server.close();
    }
  });
});
