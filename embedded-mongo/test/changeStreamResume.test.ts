import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, MongoServerError, type Document, type ResumeToken, type Timestamp } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo } from '../src/index.js';
import { nextChange, nextChanges, opened } from './helpers/changeStreams.js';
import { killUnderLoad } from './helpers/killUnderLoad.js';
import { startStandalone } from './helpers/standalone.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'embedded-mongo-cs-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// Clients that notice a restarted store quickly (the driver's default heartbeat is 10 s).
const connect = (uri: string): Promise<MongoClient> => MongoClient.connect(uri, { serverMonitoringMode: 'poll', heartbeatFrequencyMS: 500 });
const idOf = (c: Document): unknown => (c.documentKey as { _id: unknown } | undefined)?._id;

describe('resuming change streams', () => {
  it('the driver resumes a stream across a store restart on the same data directory, losing and repeating nothing', async () => {
    const dir = tempDir();
    // On the data directory's socket, which the restarted store binds again.
    let store = await startEmbeddedMongo({ dir });
    const watcher = await connect(store.uri);
    const stream = await opened(watcher.db('r').collection('events').watch());
    let writer = await connect(store.uri);
    await writer.db('r').collection<{ _id: number }>('events').insertMany([{ _id: 1 }, { _id: 2 }]);
    const seen = (await nextChanges(stream, 2)).map(idOf);
    // Acknowledged just before the store goes away: the stream may or may not have read it yet.
    await writer.db('r').collection<{ _id: number }>('events').insertOne({ _id: 3 });
    await writer.close();
    await store.close();

    store = await startEmbeddedMongo({ dir });
    try {
      writer = await connect(store.uri);
      await writer.db('r').collection<{ _id: number }>('events').insertMany([{ _id: 4 }, { _id: 5 }]);
      while (seen.length < 5) seen.push(idOf(await nextChange(stream)));
      expect(seen).toEqual([1, 2, 3, 4, 5]);
      expect(await stream.tryNext()).toBeNull();
    } finally {
      await stream.close();
      await watcher.close();
      await writer.close();
      await store.close();
    }
  });

  it('reports ChangeStreamHistoryLost (286) for a token or a cursor older than the trimmed oplog', async () => {
    const store = await startEmbeddedMongo({ oplog: { maxBytes: 20_000, trimIntervalMs: 20 } });
    const client = await connect(store.uri);
    try {
      const coll = client.db('h').collection<{ _id: number; pad?: string }>('c');
      const stream = await opened(coll.watch());
      // Its getMores wait long: trimming passes it while it waits.
      const quiet = await opened(client.db('h').collection('quiet').watch([], { maxAwaitTimeMS: 20_000 }));
      await coll.insertOne({ _id: 0 });
      const first = await nextChange(stream);
      const oldToken: ResumeToken = first._id;
      const oldTime = (first as unknown as { clusterTime: Timestamp }).clusterTime;
      // A cursor that opens at the start and then falls behind.
      const lagging = await client.db('h').command({ aggregate: 'c', pipeline: [{ $changeStream: { resumeAfter: oldToken } }], cursor: { batchSize: 0 } });
      await coll.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: i + 1, pad: 'x'.repeat(500) })));
      const lost = async (): Promise<unknown> => coll.watch([], { resumeAfter: oldToken }).tryNext().then(() => undefined, (e: unknown) => e);
      let err = await lost();
      for (let i = 0; i < 200 && err === undefined; i++) {
        await new Promise((r) => setTimeout(r, 25));
        err = await lost();
      }
      expect(err).toBeInstanceOf(MongoServerError);
      expect(err).toMatchObject({ code: 286, codeName: 'ChangeStreamHistoryLost' });
      expect((err as MongoServerError).hasErrorLabel('NonResumableChangeStreamError')).toBe(true);
      await expect(coll.watch([], { startAtOperationTime: oldTime }).tryNext()).rejects.toMatchObject({ code: 286 });
      const id = (lagging.cursor as { id: unknown }).id;
      await expect(client.db('h').command({ getMore: id, collection: 'c' })).rejects.toMatchObject({ code: 286 });
      // The driver's stream did not read either: it fell behind too, and may not resume.
      await expect(nextChange(stream)).rejects.toMatchObject({ code: 286 });
      // A stream on a collection nobody wrote lost nothing it needed, though the log moved past it.
      await client.db('h').collection<{ _id: string }>('quiet').insertOne({ _id: 'still here' });
      expect(idOf(await nextChange(quiet))).toBe('still here');
      // Tokens still in the log carry on.
      const fresh = await opened(coll.watch());
      await coll.insertOne({ _id: 1000 });
      const token = (await nextChange(fresh))._id;
      await coll.insertOne({ _id: 1001 });
      const resumed = coll.watch([], { resumeAfter: token });
      expect(idOf(await nextChange(resumed))).toBe(1001);
      await Promise.all([resumed.close(), fresh.close(), stream.close(), quiet.close()]);
    } finally {
      await client.close();
      await store.close();
    }
  });

  it('keeps the change event of every acknowledged write when the store process is SIGKILLed', async () => {
    const dir = tempDir();
    const child = await startStandalone(['--port', '0', '--dir', dir]);
    const client = await MongoClient.connect(child.uri, { retryWrites: false, maxPoolSize: 4 });
    const coll = client.db('crash').collection<{ _id: number }>('docs');
    const start = await opened(coll.watch());
    const startToken = start.resumeToken;
    await start.close();
    const acked = await killUnderLoad(child, (ids) => coll.insertMany(ids.map((_id) => ({ _id }))), 1000);
    await client.close(true);

    const store = await startEmbeddedMongo({ dir });
    const check = await MongoClient.connect(store.uri);
    try {
      const stored = (await check.db('crash').collection<{ _id: number }>('docs').find().toArray()).map((d) => d._id);
      const stream = check.db('crash').collection('docs').watch([], { resumeAfter: startToken });
      const events = (await nextChanges(stream, stored.length)).map(idOf);
      // Exactly the stored documents have insert events, and every acknowledged one is stored.
      expect(new Set(events)).toEqual(new Set(stored));
      expect(acked.filter((id) => !stored.includes(id))).toEqual([]);
      expect(await stream.tryNext()).toBeNull();
      await stream.close();
    } finally {
      await check.close();
      await store.close();
    }
  });
});
