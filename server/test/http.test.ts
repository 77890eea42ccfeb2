import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isResumeGap, type AuditEntry, type AuditResumeGap } from '@aegis/shared';
import { startTestServer, type TestServer } from './helpers/testServer';
import { trpcClient } from './helpers/trpcClient';

let server: TestServer;
let api: ReturnType<typeof trpcClient>;
beforeAll(async () => {
  server = await startTestServer();
  api = trpcClient(server.url, server.adminKey);
  await api.sdk.registerAgent.mutate({ name: 'HttpBot', allows: ['read'], blocks: ['drop'] });
});
afterAll(() => server.close());

/** Collects subscription events until `count` arrived. */
function collect(
  start: (handlers: {
    onStarted: () => void;
    onData: (e: { id: string; data: AuditEntry | AuditResumeGap }) => void;
  }) => { unsubscribe(): void },
  count: number,
) {
  const events: Array<{ id: string; data: AuditEntry }> = [];
  let started!: () => void;
  let done!: () => void;
  const startedP = new Promise<void>((r) => (started = r));
  const doneP = new Promise<void>((r) => (done = r));
  const sub = start({
    onStarted: () => started(),
    onData: ({ id, data }) => {
      if (isResumeGap(data)) throw new Error(`unexpected resume gap: ${data.resumeGap.message}`);
      events.push({ id, data });
      if (events.length === count) done();
    },
  });
  return { events, started: startedP, done: doneP, stop: () => sub.unsubscribe() };
}

describe('tRPC over HTTP', () => {
  it('batches calls: one decide per verdict, each answered after its audit entry exists', async () => {
    const [allowed, blocked, review] = await Promise.all([
      api.sdk.decide.mutate({ agent: 'HttpBot', action: 'read' }),
      api.sdk.decide.mutate({ agent: 'HttpBot', action: 'drop' }),
      api.sdk.decide.mutate({ agent: 'HttpBot', action: 'other', args: { x: 1 } }),
    ]);
    expect([allowed.verdict, blocked.verdict, review.verdict]).toEqual([
      'ALLOWED',
      'BLOCKED',
      'REVIEW',
    ]);
    const { entries } = await api.audit.list.query({ agent: 'HttpBot' });
    for (const d of [allowed, blocked, review])
      expect(entries.filter((e) => e.id === d.auditId)).toHaveLength(1);
    expect(
      (await api.approvals.pending.query()).filter((a) => a.id === review.approvalId),
    ).toHaveLength(1);
  });

  it('maps domain errors to HTTP statuses, never 500', async () => {
    const post = (path: string, body: string, key = server.adminKey) =>
      fetch(`${server.url}/trpc/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body,
      });
    expect((await post('sdk.decide', JSON.stringify({ agent: 'Ghost', action: 'x' }))).status).toBe(
      404,
    );
    const bad = await post(
      'agents.setStatus',
      JSON.stringify({ name: 'HttpBot', status: 'SLEEPING' }),
    );
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as {
      error: { data: { zodError: { fieldErrors: Record<string, unknown> } } };
    };
    expect(Object.keys(body.error.data.zodError.fieldErrors)).toEqual(['status']);
    expect((await post('agents.setStatus', '{not json')).status).toBe(400);
    expect((await post('no.such.procedure', '{}')).status).toBe(404);
    expect((await post('agents.setStatus', '{}', 'wrong-key')).status).toBe(401);
    const huge = JSON.stringify({
      agent: 'HttpBot',
      action: 'read',
      args: { blob: 'x'.repeat(6_000_000) },
    });
    expect((await post('sdk.decide', huge)).status).toBe(413);
  });

  it('honours and returns x-request-id', async () => {
    const res = await fetch(`${server.url}/trpc/health.check`, {
      headers: { 'x-request-id': 'trace-abc.123' },
    });
    expect(res.headers.get('x-request-id')).toBe('trace-abc.123');
    const fresh = await fetch(`${server.url}/trpc/health.check`, {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the dashboard at / with a fallback for client-side routes', async () => {
    for (const path of ['/', '/agents/HttpBot']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
    }
  });
});

describe('audit.onEntry over SSE', () => {
  it('delivers the entry of a decide, and a reconnect with the last event id resumes without gaps', async () => {
    // Subscribing "after the newest entry" rather than bare, so an event written between the
    // stream opening and the server-side listener attaching still arrives (from the backlog).
    const newest = (await api.audit.list.query({ limit: 1 })).entries[0]!.id;
    const live = collect(
      (h) =>
        api.audit.onEntry.subscribe(
          { agent: 'HttpBot', lastEventId: String(newest) },
          { onStarted: h.onStarted, onData: h.onData },
        ),
      1,
    );
    await live.started;
    const d = await api.sdk.decide.mutate({ agent: 'HttpBot', action: 'read' });
    await live.done;
    live.stop();
    expect(live.events[0]!.data).toMatchObject({
      id: d.auditId,
      agent: 'HttpBot',
      status: 'ALLOWED',
    });
    expect(live.events[0]!.id).toBe(String(d.auditId));

    const missed: number[] = [];
    for (let i = 0; i < 5; i++)
      missed.push((await api.sdk.decide.mutate({ agent: 'HttpBot', action: 'drop' })).auditId);
    const resumed = collect(
      (h) =>
        api.audit.onEntry.subscribe(
          { agent: 'HttpBot', lastEventId: live.events[0]!.id },
          { onStarted: h.onStarted, onData: h.onData },
        ),
      6,
    );
    await resumed.started;
    const after = await api.sdk.decide.mutate({ agent: 'HttpBot', action: 'read' });
    await resumed.done;
    resumed.stop();
    expect(resumed.events.map((e) => e.data.id)).toEqual([...missed, after.auditId]);
  });
});
