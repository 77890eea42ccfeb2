/**
 * The live-stream path (server/src/http/liveStreams.ts) speaks tRPC's SSE format itself: these
 * read the raw frames over a real socket — the `connected` event with the client's reconnect
 * setting, one `data`+`id` frame per event, errors as `serialized-error` events — and check that
 * the unchanged tRPC client (the SDK's transport) still resumes after its last event id.
 */
import { request, type ClientRequest } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isResumeGap, type AuditEntry } from '@aegis/shared';
import { createTransport, closeTransport } from '../../sdk/src/index';
import { startTestServer, type TestServer } from './helpers/testServer';
import { hostileFragment } from './security/hostileArbitraries';
import { createKey, trpc } from './security/harness';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
});
afterAll(() => server?.close());

const streamUrl = (procedure: string, query: string) => `${server.url}/trpc/${procedure}?${query}`;
const inputQuery = (input: unknown) => `input=${encodeURIComponent(JSON.stringify(input))}`;

/** Opens a raw stream; `text()` is everything received so far. */
function openRaw(url: string, headers: Record<string, string>) {
  let text = '';
  let status = 0;
  let contentType = '';
  const req: ClientRequest = request(url, { headers: { accept: 'text/event-stream', ...headers } });
  const ready = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      contentType = String(res.headers['content-type']);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      resolve();
    });
    req.on('error', reject);
  });
  req.end();
  return { req, ready, text: () => text, status: () => status, contentType: () => contentType };
}

async function until(what: string, done: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The SSE events in a text, as { event, data, id }. */
function events(text: string) {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const field = (name: string) =>
        block
          .split('\n')
          .find((line) => line.startsWith(`${name}: `) || line === `${name}:`)
          ?.slice(name.length + 2);
      return { event: field('event'), data: field('data'), id: field('id') };
    });
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('live streams', () => {
  it('sends connected, then one data+id frame per entry, filtered by the input', async () => {
    const admin = { kind: 'bearer' as const, key: server.adminKey };
    await trpc(
      server.url,
      'sdk.registerAgent',
      'mutation',
      { name: 'raw1', allows: ['read'] },
      admin,
    );
    await trpc(
      server.url,
      'sdk.registerAgent',
      'mutation',
      { name: 'raw2', allows: ['read'] },
      admin,
    );
    const s = openRaw(
      streamUrl('audit.onEntry', inputQuery({ agent: 'raw1' })),
      bearer(server.adminKey),
    );
    try {
      await s.ready;
      expect(s.status()).toBe(200);
      expect(s.contentType()).toContain('text/event-stream');
      await until('connected', () => s.text().includes('event: connected'));
      expect(events(s.text())[0]).toEqual({
        event: 'connected',
        data: '{"reconnectAfterInactivityMs":25000}',
        id: undefined,
      });

      for (const name of ['raw2', 'raw1', 'raw1']) {
        const r = await trpc(
          server.url,
          'sdk.decide',
          'mutation',
          { agent: name, action: 'read' },
          admin,
        );
        expect(r.status).toBe(200);
      }
      await until('two entries', () => events(s.text()).filter((e) => e.id).length === 2);
      const frames = events(s.text()).filter((e) => e.id);
      const entries = frames.map((f) => JSON.parse(f.data ?? '') as AuditEntry);
      expect(entries.map((e) => e.agent)).toEqual(['raw1', 'raw1']);
      expect(frames.map((f) => Number(f.id))).toEqual(entries.map((e) => e.id));
    } finally {
      s.req.destroy();
    }
  });

  it('refuses without a key, a role that may not read, and malformed input — as serialized-error events', async () => {
    const agentKey = await createKey(server, 'stream-agent', 'agent', ['raw1']);
    const cases = [
      { query: inputQuery({}), headers: {}, code: 'UNAUTHORIZED' },
      { query: inputQuery({}), headers: bearer(agentKey.key), code: 'FORBIDDEN' },
      { query: 'input=%7Bnot-json', headers: bearer(server.adminKey), code: 'PARSE_ERROR' },
      {
        query: inputQuery({ agent: 'x'.repeat(5_000) }),
        headers: bearer(server.adminKey),
        code: 'BAD_REQUEST',
      },
    ];
    for (const c of cases) {
      const s = openRaw(streamUrl('audit.onEntry', c.query), c.headers);
      try {
        await s.ready;
        await until(`the error for ${c.code}`, () => s.text().includes('event: serialized-error'));
        const error = events(s.text()).find((e) => e.event === 'serialized-error');
        const shape = JSON.parse(error?.data ?? '') as { data: { code: string; stack?: unknown } };
        expect(shape.data.code, c.code).toBe(c.code);
        expect(shape.data.stack).toBeUndefined();
      } finally {
        s.req.destroy();
      }
    }
  });

  it("resumes after the Last-Event-ID header's entry", async () => {
    const admin = { kind: 'bearer' as const, key: server.adminKey };
    await trpc(
      server.url,
      'sdk.registerAgent',
      'mutation',
      { name: 'resume1', allows: ['read'] },
      admin,
    );
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await trpc(
        server.url,
        'sdk.decide',
        'mutation',
        { agent: 'resume1', action: 'read' },
        admin,
      );
      expect(r.status).toBe(200);
    }
    const all = openRaw(
      streamUrl('audit.onEntry', inputQuery({ agent: 'resume1', lastEventId: '0' })),
      bearer(server.adminKey),
    );
    try {
      await until('the backlog', () => events(all.text()).filter((e) => e.id).length === 3);
      ids.push(...events(all.text()).flatMap((e) => (e.id ? [Number(e.id)] : [])));
    } finally {
      all.req.destroy();
    }
    const s = openRaw(streamUrl('audit.onEntry', inputQuery({ agent: 'resume1' })), {
      ...bearer(server.adminKey),
      'last-event-id': String(ids[0]),
    });
    try {
      await until(
        'the rest of the backlog',
        () => events(s.text()).filter((e) => e.id).length === 2,
      );
      expect(events(s.text()).flatMap((e) => (e.id ? [Number(e.id)] : []))).toEqual(ids.slice(1));
    } finally {
      s.req.destroy();
    }
  });

  it('the SDK transport (tRPC httpSubscriptionLink) receives entries and its stream ends on unsubscribe', async () => {
    const api = createTransport({
      url: server.url,
      apiKey: server.adminKey,
      requestTimeoutMs: 30_000,
    });
    const got: AuditEntry[] = [];
    let started = false;
    const sub = api.audit.onEntry.subscribe(
      { agent: 'sdk1' },
      {
        onStarted: () => (started = true),
        onData: ({ data }) => {
          if (!isResumeGap(data)) got.push(data);
        },
      },
    );
    try {
      await until('the subscription', () => started);
      const admin = { kind: 'bearer' as const, key: server.adminKey };
      await trpc(
        server.url,
        'sdk.registerAgent',
        'mutation',
        { name: 'sdk1', allows: ['read'] },
        admin,
      );
      await trpc(server.url, 'sdk.decide', 'mutation', { agent: 'sdk1', action: 'read' }, admin);
      await until('the entry', () => got.length === 1);
      expect(got[0]).toMatchObject({ agent: 'sdk1', action: 'read', status: 'ALLOWED' });
    } finally {
      sub.unsubscribe();
      closeTransport(api);
    }
  });

  it('refuses a bad recentMs with BAD_REQUEST on both streams, never a 5xx', async () => {
    for (const procedure of ['audit.onEntry', 'changes.onChange'])
      for (const recentMs of [-1, 1.5, '10', 1e308, 60_001, null, { $gt: 0 }, [10]]) {
        const s = openRaw(streamUrl(procedure, inputQuery({ recentMs })), bearer(server.adminKey));
        try {
          await s.ready;
          expect(s.status()).toBeLessThan(500);
          if (s.status() !== 200) continue;
          await until('the error event', () => s.text().includes('serialized-error'));
          const error = events(s.text()).find((e) => e.event === 'serialized-error');
          expect(JSON.parse(error?.data ?? '{}')).toMatchObject({ data: { code: 'BAD_REQUEST' } });
        } finally {
          s.req.destroy();
        }
      }
  });

  it('answers hostile input (fragments as input, junk last-event ids) with an error event, never a 5xx or a crash', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('audit.onEntry', 'changes.onChange'),
        hostileFragment,
        fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        async (procedure, fragment, lastEventId) => {
          const headers: Record<string, string> = bearer(server.adminKey);
          // a header can't carry control characters; those go in the query instead
          const safeHeader = lastEventId !== undefined && /^[\x20-\x7e]*$/.test(lastEventId);
          if (safeHeader) headers['last-event-id'] = lastEventId;
          const s = openRaw(streamUrl(procedure, `input=${encodeURIComponent(fragment)}`), headers);
          try {
            await s.ready;
            expect(s.status()).toBeLessThan(500);
            if (s.status() !== 200) {
              // e.g. 414/431 for an input longer than the server reads in a URL
              seen.set(`HTTP ${s.status()}`, (seen.get(`HTTP ${s.status()}`) ?? 0) + 1);
              return;
            }
            await until('the first event', () => s.text().includes('event: connected'));
            // a stream that is valid stays open; an invalid one answers with its error at once
            await new Promise((r) => setTimeout(r, 30));
            const error = events(s.text()).find((e) => e.event === 'serialized-error');
            const code = error
              ? (JSON.parse(error.data ?? '') as { data: { code: string } }).data.code
              : 'OPEN';
            expect(code).not.toBe('INTERNAL_SERVER_ERROR');
            seen.set(code, (seen.get(code) ?? 0) + 1);
          } finally {
            s.req.destroy();
          }
        },
      ),
      { numRuns: 100 },
    );
    // the generators reach both outcomes
    expect(seen.get('BAD_REQUEST') ?? 0).toBeGreaterThan(0);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  }, 180_000);
});
