import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompletionReporter } from '../src/completions';
import { createTransport, type AegisApi } from '../src/index';
import { startTestServer, uniqueAgent, type TestServer } from './helpers/server';

let server: TestServer;
let api: AegisApi;
const agent = uniqueAgent('wire');

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  api = createTransport({ url: server.url, apiKey: server.adminKey, requestTimeoutMs: 10_000 });
  await api.sdk.registerAgent.mutate({ name: agent, allows: ['read'], blocks: ['drop'] });
});
afterAll(() => server?.close());

/** HTTP requests that reached the server's fast path while `run` ran. */
async function requestsDuring(run: () => Promise<unknown>): Promise<number> {
  const before = server.fastPath.handled;
  await run();
  return server.fastPath.handled - before;
}

describe('the SDK transport', () => {
  it('sends a lone decide on its own, one request per call, over the fast path', async () => {
    const sent = await requestsDuring(async () => {
      for (let i = 0; i < 5; i++) await api.sdk.decide.mutate({ agent, action: 'read' });
    });
    expect(sent).toBe(5);
  });

  it('groups decides made while others are in flight, and every caller gets its own answer', async () => {
    const actions = Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? 'drop' : 'read'));
    let answers: Array<{ verdict: string; auditId: number }> = [];
    const sent = await requestsDuring(async () => {
      answers = await Promise.all(
        actions.map((action) => api.sdk.decide.mutate({ agent, action })),
      );
    });
    // one call alone, the rest in batches of at most 50
    expect(sent).toBeGreaterThanOrEqual(4);
    expect(sent).toBeLessThan(actions.length / 4);
    expect(answers.map((a) => a.verdict)).toEqual(
      actions.map((a) => (a === 'drop' ? 'BLOCKED' : 'ALLOWED')),
    );
    expect(new Set(answers.map((a) => a.auditId)).size).toBe(actions.length);
    const { entries } = await api.audit.list.query({ agent, limit: 200 });
    const ids = new Set(entries.map((e) => e.id));
    expect(answers.every((a) => ids.has(a.auditId))).toBe(true);
  });

  it('answers when no request timeout is given (10 s by default), and refuses one that is no duration', async () => {
    // Plain JavaScript may leave the option out: a call still gets its answer.
    const plain = createTransport({ url: server.url, apiKey: server.adminKey });
    const slow = Array.from({ length: 20 }, () =>
      plain.sdk.decide.mutate({ agent, action: 'read' }),
    );
    expect((await Promise.all(slow)).every((d) => d.verdict === 'ALLOWED')).toBe(true);
    for (const bad of [0, -5, Number.NaN, Infinity])
      expect(() =>
        createTransport({ url: server.url, apiKey: server.adminKey, requestTimeoutMs: bad }),
      ).toThrow(/requestTimeoutMs must be a positive number/);
  });

  it('keeps a refused call in a batch from failing its neighbours', async () => {
    const results = await Promise.allSettled([
      api.sdk.decide.mutate({ agent, action: 'read' }),
      api.sdk.decide.mutate({ agent: uniqueAgent('ghost'), action: 'read' }),
      api.sdk.decide.mutate({ agent, action: 'drop' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});

describe('outcome reports', () => {
  it('go out a batch at a time, and every one is recorded', async () => {
    const decided: Array<{ callId: string; auditId: number }> = [];
    for (let i = 0; i < 30; i++)
      decided.push(await api.sdk.decide.mutate({ agent, action: 'read' }));
    const errors: unknown[] = [];
    const reporter = new CompletionReporter(api, (e) => errors.push(e));
    const sent = await requestsDuring(async () => {
      // Bursts of five a couple of milliseconds apart, as a busy agent makes them. However slow
      // the machine (a timer may fire late), a burst never takes more than one request.
      for (let i = 0; i < decided.length; i += 5) {
        for (const d of decided.slice(i, i + 5))
          reporter.report({ callId: d.callId, outcome: 'ok', durationMs: 1 });
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await reporter.flush();
    });
    expect(errors).toEqual([]);
    expect(sent).toBeLessThanOrEqual(decided.length / 5);
    const { entries } = await api.audit.list.query({ agent, limit: 200 });
    const byId = new Map(entries.map((e) => [e.id, e.outcome]));
    expect(decided.map((d) => byId.get(d.auditId))).toEqual(decided.map(() => 'ok'));
  });
});
