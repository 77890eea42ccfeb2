/**
 * Issue 12, finding 8 (many and slow subscribers), over real sockets: a principal holds at most
 * AEGIS_MAX_STREAMS live streams (the next gets 429 naming the limit, other principals are not
 * affected, a closed stream frees its slot), and a subscriber that stops reading is dropped once
 * its queue is full, so the server never buffers for it without bound — it resumes with its last
 * event id and gets every entry, none twice.
 */
import { request, type ClientRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey, trpc } from './harness';

const QUEUE_LIMIT = 100;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true, streamQueueLimit: QUEUE_LIMIT });
});
afterAll(() => server?.close());

const streamPath = (procedure: string, input: unknown = {}) =>
  `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;

/** Opens a stream and resolves with its status and body once the answer's head (and, for 429, the body) is in. */
function openStream(
  path: string,
  key: string,
  onData: (text: string) => void = () => undefined,
): Promise<{ status: number; body: string; req: ClientRequest }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, {
      headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
    });
    req.on('response', (res) => {
      res.setEncoding('utf8');
      if (res.statusCode === 200) {
        res.on('data', onData);
        resolve({ status: 200, body: '', req });
        return;
      }
      let body = '';
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, req }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The `id:` lines of an SSE text, in order. */
const idsIn = (text: string) => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));

async function until(what: string, done: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('live streams per principal', () => {
  it('allows 16 per key, answers the 17th with 429 naming the limit, frees a slot on close', async () => {
    const open: ClientRequest[] = [];
    try {
      for (let i = 0; i < 16; i++) {
        const procedure = i % 2 === 0 ? 'audit.onEntry' : 'changes.onChange';
        const s = await openStream(streamPath(procedure), server.adminKey);
        expect(s.status, `stream ${i + 1}`).toBe(200);
        open.push(s.req);
      }
      const refused = await openStream(streamPath('audit.onEntry'), server.adminKey);
      expect(refused.status).toBe(429);
      const body = JSON.parse(refused.body) as {
        error: { message: string; data: { code: string; httpStatus: number } };
      };
      expect(body.error.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429 });
      expect(body.error.message).toContain('16');
      expect(body.error.message).toContain('AEGIS_MAX_STREAMS');

      // Another principal has its own allowance.
      const viewer = await createKey(server, 'stream-viewer', 'viewer');
      const other = await openStream(streamPath('audit.onEntry'), viewer.key);
      expect(other.status).toBe(200);
      open.push(other.req);

      // Closing one of the 16 frees its slot (the server notices the closed socket).
      open.shift()?.destroy();
      let again = 0;
      for (let i = 0; i < 100 && again !== 200; i++) {
        const s = await openStream(streamPath('changes.onChange'), server.adminKey);
        again = s.status;
        if (s.status === 200) open.push(s.req);
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(again).toBe(200);
    } finally {
      for (const req of open) req.destroy();
    }
  });
});

describe('a subscriber that stops reading', () => {
  it('is dropped once its queue is full, and resumes with its last event id', async () => {
    const admin = { kind: 'bearer' as const, key: server.adminKey };
    const agent = 'slowfeed';
    const reg = await trpc(
      server.url,
      'sdk.registerAgent',
      'mutation',
      { name: agent, blocks: ['wire'] },
      admin,
    );
    expect(reg.status).toBe(200);
    const version = (reg.body as { result: { data: { policy: { version: number } } } }).result.data
      .policy.version;
    const input = { agent };

    // A reader that keeps up, to show the writes and the other subscribers are not held back.
    let good = '';
    const reader = await openStream(streamPath('audit.onEntry', input), server.adminKey, (t) => {
      good += t;
    });
    expect(reader.status).toBe(200);

    // The slow one: a raw socket that reads the stream's first event, then stops reading.
    const slow: Socket = connect(server.port, '127.0.0.1');
    let slowText = '';
    let slowClosed = false;
    slow.setEncoding('utf8');
    slow.on('data', (t: string) => (slowText += t));
    slow.on('error', () => undefined);
    slow.on('close', () => (slowClosed = true));
    slow.write(
      `GET ${streamPath('audit.onEntry', input)} HTTP/1.1\r\nHost: x\r\n` +
        `Authorization: Bearer ${server.adminKey}\r\nAccept: text/event-stream\r\n\r\n`,
    );
    await until('the slow stream to connect', () => slowText.includes('event: connected'));
    slow.pause();

    // ~13 MB of events: several times what the socket buffers of a reader that stopped can hold.
    // Batches stay below the queue limit: a reader that keeps up is never dropped.
    const BATCHES = 60;
    const PER_BATCH = 50;
    const details = 'x'.repeat(4000);
    let n = 0;
    for (let b = 0; b < BATCHES; b++) {
      const entries = Array.from({ length: PER_BATCH }, () => ({
        entryKey: `slowfeed-${String(++n).padStart(6, '0')}`,
        agent,
        action: 'wire',
        status: 'BLOCKED',
        details,
        callId: `c${n}`,
        args: {},
        decidedAt: new Date().toISOString(),
        policyVersion: version,
      }));
      const res = await trpc(server.url, 'sdk.recordBatch', 'mutation', { entries }, admin);
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
    }
    const total = BATCHES * PER_BATCH;
    await until('the reader to get every entry', () => idsIn(good).length >= total);
    const all = idsIn(good);
    expect(new Set(all).size).toBe(total);

    // The slow socket reads again: it gets what was already on its way, then the server's drop.
    slow.resume();
    await until('the server to drop the slow subscriber', () => slowClosed, 20_000);
    const seen = idsIn(slowText);
    expect(seen.length).toBeLessThan(total);
    expect(seen).toEqual(all.slice(0, seen.length));

    // It resumes after the last event it saw and gets the rest, none twice.
    const lastEventId = String(seen.at(-1) ?? (all[0] as number) - 1);
    let rest = '';
    const resumed = await openStream(
      streamPath('audit.onEntry', { ...input, lastEventId }),
      server.adminKey,
      (t) => (rest += t),
    );
    expect(resumed.status).toBe(200);
    await until('the resumed stream to catch up', () => idsIn(rest).length >= total - seen.length);
    expect([...seen, ...idsIn(rest)]).toEqual(all);
    resumed.req.destroy();
    reader.req.destroy();
    slow.destroy();
  }, 120_000);
});

describe('a stream resumed from far back', () => {
  /** The `data:` payloads of an SSE text, parsed, in order (pings and `connected` left out). */
  const eventsIn = (text: string) =>
    text
      .split('\n\n')
      .filter((block) => !/^event: /m.test(block))
      .flatMap((block) => /^data: (.*)$/m.exec(block)?.[1] ?? [])
      .map((data) => JSON.parse(data) as { id?: number; details?: string; resumeGap?: unknown });

  it('replays only the newest 10000 entries, after a resumeGap event naming what it skipped', async () => {
    const admin = { kind: 'bearer' as const, key: server.adminKey };
    const agent = 'replaycap';
    const reg = await trpc(
      server.url,
      'sdk.registerAgent',
      'mutation',
      { name: agent, blocks: ['read'] },
      admin,
    );
    expect(reg.status).toBe(200);
    const version = (reg.body as { result: { data: { policy: { version: number } } } }).result.data
      .policy.version;
    const record = async (from: number, count: number, details: string) => {
      const entries = Array.from({ length: count }, (_, i) => ({
        entryKey: `replaycap-${from + i}`,
        agent,
        action: 'read',
        status: 'BLOCKED',
        details,
        callId: `rc${from + i}`,
        args: {},
        decidedAt: new Date().toISOString(),
        policyVersion: version,
      }));
      const res = await trpc(server.url, 'sdk.recordBatch', 'mutation', { entries }, admin);
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
    };
    // AUDIT_RESUME_MAX (twice the default stream queue limit of 5000), and 20 more.
    for (let batch = 0; batch < 10; batch++) await record(batch * 1000, 1000, 'old');
    await record(10_000, 20, 'old');
    const listed = await trpc(server.url, 'audit.list', 'query', { agent, limit: 1 }, admin);
    const newest = (listed.body as { result: { data: { entries: Array<{ id: number }> } } }).result
      .data.entries[0]!.id;

    // "Everything since the start": a gap notice, then the newest 10000 only.
    let text = '';
    const s = await openStream(
      streamPath('audit.onEntry', { agent, lastEventId: '0' }),
      server.adminKey,
      (t) => (text += t),
    );
    expect(s.status).toBe(200);
    await until('the replay', () => eventsIn(text).length >= 10_001);
    // Anything written now arrives after the whole replay: then nothing more of it is coming.
    await record(20_000, 1, 'live');
    await until('the live entry', () => text.includes('"details":"live"'));
    const events = eventsIn(text);
    s.req.destroy();
    const [gap, ...entries] = events;
    expect(gap).toMatchObject({ resumeGap: { from: 0, replayed: 10_000 } });
    expect(JSON.stringify(gap)).toContain('audit.list');
    const replayed = entries.filter((e) => e.details === 'old');
    expect(replayed).toHaveLength(10_000);
    expect(replayed.at(-1)?.id).toBe(newest);
    const through = (gap as { resumeGap: { through: number } }).resumeGap.through;
    expect(replayed.every((e) => (e.id ?? 0) > through)).toBe(true);

    // Without an agent filter, the whole log's newest 10000 (more than that were written).
    let all = '';
    const unfiltered = await openStream(
      streamPath('audit.onEntry', { lastEventId: '0' }),
      server.adminKey,
      (t) => (all += t),
    );
    await until('the gap notice', () => eventsIn(all).length > 0);
    expect(eventsIn(all)[0]).toMatchObject({ resumeGap: { from: 0, replayed: 10_000 } });
    unfiltered.req.destroy();

    // A resume within the newest 10000 is replayed whole, with no notice.
    let near = '';
    const close = await openStream(
      streamPath('audit.onEntry', { agent, lastEventId: String(newest - 5) }),
      server.adminKey,
      (t) => (near += t),
    );
    await until('the near replay', () => near.includes('"details":"live"'));
    const nearEvents = eventsIn(near);
    close.req.destroy();
    expect(nearEvents.some((e) => 'resumeGap' in e)).toBe(false);
    expect(nearEvents.map((e) => e.id)[0]).toBe(newest - 4);
  }, 120_000);
});
