import { MongoClient, MongoServerError, Timestamp, type ChangeStream, type ChangeStreamDocument, type Db, type Document } from 'mongodb';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Long } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';
import { nextChange, nextChanges, opened } from './helpers/changeStreams.js';

let store: EmbeddedMongo;
let client: MongoClient;
let db: Db;
let n = 0;
/** A fresh collection name per test, so streams never see another test's writes. */
const fresh = (): string => `c${++n}`;
const streams: ChangeStream[] = [];
const watch = async <S extends ChangeStream>(s: S): Promise<S> => {
  streams.push(s);
  await opened(s);
  return s;
};
/** Documents with any kind of _id (the driver's default typing wants ObjectIds). */
interface AnyDoc extends Document {
  _id?: number | string;
}
const col = (name: string) => db.collection<AnyDoc>(name);

beforeAll(async () => {
  store = await startEmbeddedMongo();
  client = await MongoClient.connect(store.uri, { serverMonitoringMode: 'poll' });
  db = client.db('cs');
});
afterAll(async () => {
  await Promise.all(streams.map((s) => s.close()));
  await client.close();
  await store.close();
});

describe('the replica-set presentation', () => {
  it('is a one-node replica set the driver discovers, with cluster times in every reply', async () => {
    const hello = await db.admin().command({ hello: 1 });
    expect(hello).toMatchObject({ isWritablePrimary: true, secondary: false, setName: 'rs0', hosts: [hello.me], primary: hello.me });
    expect(client.options.hosts.length).toBe(1);
    const ping = await db.command({ ping: 1 });
    expect(ping.operationTime).toBeInstanceOf(Timestamp);
    expect(ping.$clusterTime.clusterTime).toBeInstanceOf(Timestamp);
    const before = ping.operationTime as Timestamp;
    await col(fresh()).insertOne({ a: 1 });
    const after = (await db.command({ ping: 1 })).operationTime as Timestamp;
    expect(after.greaterThan(before)).toBe(true);
  });

  it('refuses $changeStream with code 40573 when started as a standalone', async () => {
    const standalone = await startEmbeddedMongo({ replicaSet: false });
    const c = await MongoClient.connect(standalone.uri);
    try {
      expect((await c.db('admin').command({ hello: 1 })).setName).toBeUndefined();
      await expect(c.db('x').collection('y').watch().tryNext()).rejects.toMatchObject({ code: 40573 });
    } finally {
      await c.close();
      await standalone.close();
    }
  });
});

describe('change events', () => {
  it('reports inserts, updates, replaces and deletes in the shapes the driver documents', async () => {
    const coll = col(fresh());
    const stream = await watch(coll.watch());
    await coll.insertOne({ _id: 1, a: 1, nested: { x: 1, y: 2 }, arr: [1, 2, 3] });
    await coll.updateOne({ _id: 1 }, { $set: { a: 2 }, $unset: { nested: '' } });
    await coll.replaceOne({ _id: 1 }, { b: 'replaced' });
    await coll.deleteOne({ _id: 1 });
    const [ins, upd, rep, del] = await nextChanges(stream, 4);
    const ns = { db: 'cs', coll: coll.collectionName };
    expect(ins).toEqual({
      _id: { _data: expect.stringMatching(/^82[0-9a-f]+$/) as unknown },
      operationType: 'insert',
      clusterTime: expect.any(Timestamp) as unknown,
      wallTime: expect.any(Date) as unknown,
      fullDocument: { _id: 1, a: 1, nested: { x: 1, y: 2 }, arr: [1, 2, 3] },
      ns,
      documentKey: { _id: 1 },
    });
    expect(upd).toMatchObject({ operationType: 'update', ns, documentKey: { _id: 1 }, updateDescription: { updatedFields: { a: 2 }, removedFields: ['nested'], truncatedArrays: [] } });
    expect(upd).not.toHaveProperty('fullDocument');
    expect(rep).toMatchObject({ operationType: 'replace', ns, documentKey: { _id: 1 }, fullDocument: { _id: 1, b: 'replaced' } });
    expect(del).toMatchObject({ operationType: 'delete', ns, documentKey: { _id: 1 } });
    expect(Object.keys(del!)).toEqual(['_id', 'operationType', 'clusterTime', 'wallTime', 'ns', 'documentKey']);
    // Cluster times grow event by event; resume tokens differ.
    const times = [ins, upd, rep, del].map((e) => (e as unknown as { clusterTime: Timestamp }).clusterTime);
    for (let i = 1; i < times.length; i++) expect(times[i]!.greaterThan(times[i - 1]!)).toBe(true);
    expect(new Set([ins, upd, rep, del].map((e) => (e!._id as { _data: string })._data)).size).toBe(4);
  });

  it('describes each kind of update as mongod does: nested paths, appends, removals, truncated arrays', async () => {
    const coll = col(fresh());
    await coll.insertOne({ _id: 1, n: { a: 1, b: 2 }, arr: [1, 2, 3, 4], tags: ['x'], count: 1, old: 1 });
    const stream = await watch(coll.watch());
    await coll.updateOne({ _id: 1 }, { $set: { 'n.a': 5, 'created.deep': true }, $inc: { count: 2 } });
    await coll.updateOne({ _id: 1 }, { $push: { tags: { $each: ['y', 'z'] } } as Document, $rename: { old: 'renamed' } });
    await coll.updateOne({ _id: 1 }, [{ $set: { arr: { $slice: ['$arr', 2] } } }]);
    await coll.updateOne({ _id: 1, arr: 2 }, { $set: { 'arr.$': 20 } });
    const changes = await nextChanges(stream, 4);
    expect(changes.map((c) => (c.operationType === 'update' ? c.updateDescription : undefined))).toEqual([
      { updatedFields: { 'n.a': 5, created: { deep: true }, count: 3 }, removedFields: [], truncatedArrays: [] },
      { updatedFields: { renamed: 1, 'tags.1': 'y', 'tags.2': 'z' }, removedFields: ['old'], truncatedArrays: [] },
      { updatedFields: {}, removedFields: [], truncatedArrays: [{ field: 'arr', newSize: 2 }] },
      { updatedFields: { 'arr.1': 20 }, removedFields: [], truncatedArrays: [] },
    ]);
  });

  it("looks up the document's current version for fullDocument: 'updateLookup' (null once deleted)", async () => {
    const coll = col(fresh());
    const stream = await watch(coll.watch([], { fullDocument: 'updateLookup' }));
    await coll.insertOne({ _id: 'k', v: 1 });
    await coll.updateOne({ _id: 'k' }, { $set: { v: 2 } });
    const [, first] = await nextChanges(stream, 2);
    expect(first).toMatchObject({ operationType: 'update', fullDocument: { _id: 'k', v: 2 } });
    await coll.updateOne({ _id: 'k' }, { $set: { v: 3 } });
    await coll.deleteOne({ _id: 'k' });
    const [gone] = await nextChanges(stream, 2);
    expect(gone).toMatchObject({ operationType: 'update', updateDescription: { updatedFields: { v: 3 } }, fullDocument: null });
  });

  it('carries pre- and post-images only where the collection keeps them', async () => {
    const kept = fresh();
    await db.createCollection<AnyDoc>(kept, { changeStreamPreAndPostImages: { enabled: true } });
    const plain = col(fresh());
    await plain.insertOne({ _id: 1, v: 0 });
    const opts = { fullDocument: 'whenAvailable', fullDocumentBeforeChange: 'whenAvailable' } as const;
    const keptStream = await watch(col(kept).watch([], opts));
    const plainStream = await watch(plain.watch([], opts));
    const strict = await watch(plain.watch([], { fullDocumentBeforeChange: 'required' }));
    await col(kept).insertOne({ _id: 1, v: 0 });
    await col(kept).updateOne({ _id: 1 }, { $inc: { v: 1 } });
    await col(kept).deleteOne({ _id: 1 });
    const [, upd, del] = await nextChanges(keptStream, 3);
    expect(upd).toMatchObject({ fullDocument: { _id: 1, v: 1 }, fullDocumentBeforeChange: { _id: 1, v: 0 } });
    expect(del).toMatchObject({ operationType: 'delete', fullDocumentBeforeChange: { _id: 1, v: 1 } });
    await plain.updateOne({ _id: 1 }, { $inc: { v: 1 } });
    expect(await nextChange(plainStream)).toMatchObject({ fullDocument: null, fullDocumentBeforeChange: null });
    await expect(nextChange(strict)).rejects.toMatchObject({ code: 47 });
    // collMod turns images on for an existing collection.
    await db.command({ collMod: plain.collectionName, changeStreamPreAndPostImages: { enabled: true } });
    await plain.updateOne({ _id: 1 }, { $inc: { v: 1 } });
    expect(await nextChange(plainStream)).toMatchObject({ fullDocument: { _id: 1, v: 2 }, fullDocumentBeforeChange: { _id: 1, v: 1 } });
  });

  it('applies $match and $project after $changeStream, and refuses a pipeline that changes _id', async () => {
    const coll = col(fresh());
    const stream = await watch(coll.watch([{ $match: { 'fullDocument.keep': true } }, { $project: { fullDocument: 1, ns: 1 } }]));
    const bad = await watch(coll.watch([{ $project: { _id: 0 } }]));
    await coll.insertMany([{ _id: 1, keep: false }, { _id: 2, keep: true }]);
    const change = await nextChange(stream);
    expect(change).toEqual({ _id: expect.anything() as unknown, fullDocument: { _id: 2, keep: true }, ns: { db: 'cs', coll: coll.collectionName } });
    const err = await nextChange(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err).toMatchObject({ code: 280, codeName: 'ChangeStreamFatalError' });
    expect((err as MongoServerError).hasErrorLabel('NonResumableChangeStreamError')).toBe(true);
  });

  it('watches a whole database and the whole deployment', async () => {
    const other = client.db('cs_other');
    const dbStream = await watch(db.watch());
    const all = await watch(client.watch());
    const a = fresh();
    await col(a).insertOne({ _id: 'in-db' });
    await other.collection<AnyDoc>('x').insertOne({ _id: 'elsewhere' });
    expect(await nextChange(dbStream)).toMatchObject({ ns: { db: 'cs', coll: a }, documentKey: { _id: 'in-db' } });
    const [first, second] = await nextChanges(all, 2);
    expect([first, second].map((c) => (c && 'ns' in c ? c.ns : undefined))).toEqual([{ db: 'cs', coll: a }, { db: 'cs_other', coll: 'x' }]);
    // The database stream saw nothing of the other database.
    await col(a).insertOne({ _id: 'again' });
    expect(await nextChange(dbStream)).toMatchObject({ documentKey: { _id: 'again' } });
  });
});

describe('invalidation', () => {
  it('ends a collection stream with invalidate when the collection is dropped', async () => {
    const coll = col(fresh());
    await coll.insertOne({ _id: 1 });
    const stream = await watch(coll.watch());
    await coll.drop();
    const [drop, invalidate] = await nextChanges(stream, 2);
    expect(drop).toMatchObject({ operationType: 'drop', ns: { db: 'cs', coll: coll.collectionName } });
    expect(invalidate).toEqual({ _id: expect.anything() as unknown, operationType: 'invalidate', clusterTime: drop!.clusterTime, wallTime: expect.any(Date) as unknown });
    expect(await stream.tryNext()).toBeNull();
    expect(stream.closed).toBe(true);

    // resumeAfter an invalidate is refused; startAfter starts a new stream on the new collection.
    await expect(coll.watch([], { resumeAfter: invalidate!._id }).tryNext()).rejects.toMatchObject({ code: 260 });
    const after = await watch(coll.watch([], { startAfter: invalidate!._id }));
    await coll.insertOne({ _id: 'new life' });
    expect(await nextChange(after)).toMatchObject({ operationType: 'insert', documentKey: { _id: 'new life' } });
    // Resuming right after the drop shows the invalidate again.
    const again = coll.watch([], { resumeAfter: drop!._id });
    streams.push(again);
    expect(await nextChange(again)).toMatchObject({ operationType: 'invalidate', _id: invalidate!._id });
  });

  it('reports renames to streams on either name, and invalidates both', async () => {
    const from = fresh();
    const to = fresh();
    await col(from).insertOne({ _id: 1 });
    const source = await watch(col(from).watch());
    const target = await watch(col(to).watch());
    const whole = await watch(db.watch());
    await col(from).rename(to);
    const rename = { operationType: 'rename', ns: { db: 'cs', coll: from }, to: { db: 'cs', coll: to } };
    for (const s of [source, target]) {
      const [r, inv] = await nextChanges(s, 2);
      expect(r).toMatchObject(rename);
      expect(inv?.operationType).toBe('invalidate');
    }
    expect(await nextChange(whole)).toMatchObject(rename);
    expect(await col(to).findOne({ _id: 1 })).toEqual({ _id: 1 });
    await expect(db.collection('missing').rename('whatever')).rejects.toMatchObject({ code: 26 });
  });

  it('reports dropDatabase: drops, then dropDatabase and invalidate on the database stream', async () => {
    const victim = client.db('cs_doomed');
    await victim.collection<AnyDoc>('a').insertOne({ _id: 1 });
    await victim.collection<AnyDoc>('b').insertOne({ _id: 1 });
    const dbStream = await watch(victim.watch());
    const collStream = await watch(victim.collection<AnyDoc>('a').watch());
    await victim.dropDatabase();
    const events = await nextChanges(dbStream, 4);
    expect(events.map((e) => e.operationType)).toEqual(['drop', 'drop', 'dropDatabase', 'invalidate']);
    expect(events[2]).toMatchObject({ ns: { db: 'cs_doomed' } });
    expect((await nextChanges(collStream, 2)).map((e) => e.operationType)).toEqual(['drop', 'invalidate']);
  });
});

describe('resuming', () => {
  it('resumes after any event token, and from an operation time', async () => {
    const coll = col(fresh());
    const stream = await watch(coll.watch());
    await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
    const [, second] = await nextChanges(stream, 3);
    // Not opened() first: a resumed stream's first batch already holds the events after the token.
    const resumed = coll.watch([], { resumeAfter: second!._id });
    const fromTime = coll.watch([], { startAtOperationTime: (second as { clusterTime: Timestamp }).clusterTime });
    streams.push(resumed, fromTime);
    expect(await nextChange(resumed)).toMatchObject({ documentKey: { _id: 3 } });
    expect((await nextChanges(fromTime, 2)).map((c) => ('documentKey' in c ? c.documentKey._id : undefined))).toEqual([2, 3]);
    // The driver's own bookkeeping: after a batch, its resume token is the batch's postBatchResumeToken.
    expect(stream.resumeToken).toBeDefined();
  });

  it('resumes from a high-water token taken after a write that rolled back', async () => {
    const coll = col(fresh());
    await coll.insertMany([{ _id: 1 }, { _id: 2 }]);
    await col('out_target').insertOne({ _id: 'kept' });
    // $out drops and refills its target in one transaction; two results with one _id roll it all back.
    await expect(coll.aggregate([{ $project: { _id: { $literal: 1 } } }, { $out: 'out_target' }]).toArray()).rejects.toMatchObject({ code: 11000 });
    expect(await col('out_target').find().toArray()).toEqual([{ _id: 'kept' }]);
    await coll.createIndex({ x: 1 }); // a commit that writes no change event
    const first = await watch(coll.watch());
    const highWater = first.resumeToken;
    const resumed = coll.watch([], { resumeAfter: highWater });
    streams.push(resumed);
    await coll.insertOne({ _id: 3 });
    expect(await nextChange(resumed)).toMatchObject({ documentKey: { _id: 3 } });
  });

  it("reads the same events from the oplog's in-memory tail as from SQLite, across rollbacks and past the tail's size", async () => {
    // A stream that keeps up reads each batch from the newest entries, kept in memory; one resumed
    // from the start reads the older entries back from SQLite (the tail holds ~1,000 entries or
    // 8 MiB) and the newest from memory. Both must see exactly the committed writes, in order.
    const name = fresh();
    const coll = col(name);
    const live = await watch(coll.watch());
    const start = (await db.command({ ping: 1 })).operationTime as Timestamp;
    const key = (c: ChangeStreamDocument) => [c.operationType, 'documentKey' in c ? (c.documentKey._id as unknown as number) : -1];
    const expected: Array<[string, number]> = [];
    const big = 'x'.repeat(300_000); // 30 of these overflow the tail's bytes
    for (let k = 0; k < 2600; k++) {
      const before = expected.length;
      if (k % 97 === 5) {
        // Ordered insertMany stopping at a duplicate: the ones before it stay, the rest never happen.
        await expect(coll.insertMany([{ _id: 100_000 + k }, { _id: 0 }, { _id: 200_000 + k }])).rejects.toMatchObject({ code: 11000 });
        expected.push(['insert', 100_000 + k]);
      } else if (k % 61 === 7) {
        // $out onto the watched collection drops and refills it in one transaction that rolls back:
        // its drop and inserts were logged, then never committed.
        await expect(coll.aggregate([{ $project: { _id: { $literal: 1 } } }, { $out: name }]).toArray()).rejects.toMatchObject({ code: 11000 });
      } else if (k % 5 === 1) {
        const { modifiedCount } = await coll.updateOne({ _id: k - 1 }, { $set: { u: k } });
        if (modifiedCount === 1) expected.push(['update', k - 1]);
      } else {
        await coll.insertOne(k < 60 && k % 2 === 0 ? { _id: k, big } : { _id: k });
        expected.push(['insert', k]);
      }
      // Read as we go: these reads come from the tail.
      expect((await nextChanges(live, expected.length - before)).map(key)).toEqual(expected.slice(before));
    }
    const replay = coll.watch([], { startAtOperationTime: start });
    streams.push(replay);
    expect((await nextChanges(replay, expected.length)).map(key)).toEqual(expected);
    // Nothing else was committed: a write after them is the next event on both.
    await coll.insertOne({ _id: -1 });
    expect(key(await nextChange(live))).toEqual(['insert', -1]);
    expect(key(await nextChange(replay))).toEqual(['insert', -1]);
  }, 120_000);

  it('rejects malformed change stream requests with the server error codes', async () => {
    const name = fresh();
    const agg = (stage: Document, extra: Document[] = [], target: unknown = name, on: Db = db) =>
      on.command({ aggregate: target, pipeline: [{ $changeStream: stage }, ...extra], cursor: {} });
    const cases: [() => Promise<unknown>, number][] = [
      [() => agg({ bogus: 1 }), 40415],
      [() => agg({ fullDocument: 'sometimes' }), 2],
      [() => agg({ resumeAfter: { _data: '00' } }), 260],
      [() => agg({ resumeAfter: 'not a token' }), 260],
      [() => agg({ resumeAfter: { _data: `82${'0'.repeat(8)}${'0'.repeat(8)}${'f'.repeat(15)}000` } }), 260],
      [() => agg({ resumeAfter: { _data: `82${'1'.repeat(8)}${'0'.repeat(8)}${'0'.repeat(15)}900` } }), 280],
      [() => agg({ resumeAfter: { _data: '82' + '0'.repeat(34) }, startAfter: { _data: '82' + '0'.repeat(34) } }), 40674],
      [() => agg({ startAtOperationTime: 5 }), 14],
      [() => agg({}, [{ $group: { _id: null } }]), 20],
      [() => agg({}, [{ $unsupported: 'foo' }]), 40324],
      [() => db.command({ aggregate: name, pipeline: [{ $match: {} }, { $changeStream: {} }], cursor: {} }), 40602],
      [() => agg({ allChangesForCluster: true }), 72],
      [() => agg({}, [], 1, client.db('admin')), 73],
      [() => agg({}, [], 1, client.db('local')), 73],
      [() => agg({}, [], 'a_view'), 166],
    ];
    await db.createCollection('a_view', { viewOn: name, pipeline: [] });
    for (const [run, code] of cases) await expect(run()).rejects.toMatchObject({ code });
    const opened = await agg({});
    const id = (opened.cursor as { id: Long }).id;
    await expect(db.command({ getMore: id, collection: name, maxTimeMS: -1 })).rejects.toMatchObject({ code: 2 });
    await expect(db.command({ getMore: id, collection: 'other' })).rejects.toMatchObject({ code: 13 });
    await db.command({ killCursors: name, cursors: [id] });
    await expect(db.command({ getMore: id, collection: name })).rejects.toMatchObject({ code: 43 });
  });
});

describe('waiting getMores', () => {
  it('wakes only the watchers of the namespace written to', async () => {
    const quiet = col(fresh());
    const busy = col(fresh());
    const stream = await watch(quiet.watch([], { maxAwaitTimeMS: 30_000 }));
    const pending = nextChange(stream, 45_000);
    const status = async (): Promise<{ waiting: number; wakeups: number }> =>
      ((await db.admin().command({ serverStatus: 1 })).metrics as { changeStreams: { waiting: number; wakeups: number } }).changeStreams;
    while ((await status()).waiting === 0) await new Promise((r) => setTimeout(r, 10));
    const before = await status();
    for (let i = 0; i < 50; i++) await busy.insertOne({ i });
    expect((await status()).wakeups).toBe(before.wakeups);
    await quiet.insertOne({ _id: 'wake up' });
    expect(await pending).toMatchObject({ documentKey: { _id: 'wake up' } });
    expect((await status()).wakeups).toBe(before.wakeups + 1);
  });

  it('a database stream that names its collections reads and wakes only for them (and commands)', async () => {
    const wanted = fresh();
    const busy = col(fresh());
    const stream = await watch(db.watch([{ $match: { $or: [{ 'ns.coll': wanted }, { 'ns.coll': { $in: ['never'] } }] } }], { maxAwaitTimeMS: 30_000 }));
    const pending = nextChange(stream, 45_000);
    const status = async (): Promise<{ waiting: number; wakeups: number; opcounters: { getmore: number } }> => {
      const s = await db.admin().command({ serverStatus: 1 });
      return { ...(s.metrics as { changeStreams: { waiting: number; wakeups: number } }).changeStreams, opcounters: s.opcounters as { getmore: number } };
    };
    while ((await status()).waiting === 0) await new Promise((r) => setTimeout(r, 10));
    const before = await status();
    for (let i = 0; i < 50; i++) await busy.insertOne({ i });
    const after = await status();
    expect(after.wakeups).toBe(before.wakeups);
    expect(after.opcounters.getmore).toBe(before.opcounters.getmore);
    await col(wanted).insertOne({ _id: 'wake up' });
    expect(await pending).toMatchObject({ ns: { coll: wanted }, documentKey: { _id: 'wake up' } });
    // Commands still reach it: dropping the wanted collection is reported.
    await col(wanted).drop();
    expect(await nextChange(stream)).toMatchObject({ operationType: 'drop', ns: { coll: wanted } });
  });

  it('serves many concurrent watchers, each with exactly its own events in order', async () => {
    const names = Array.from({ length: 10 }, fresh);
    // Each waiting getMore holds a pooled connection, as with mongod: watchers get a pool of their own.
    const watching = await MongoClient.connect(store.uri, { serverMonitoringMode: 'poll', maxPoolSize: 120 });
    const watchers = await Promise.all(
      Array.from({ length: 100 }, (_, w) => watch(watching.db('cs').collection(names[w % names.length]!).watch([], { maxAwaitTimeMS: 20_000 }))),
    );
    const writers = names.map(async (name) => {
      for (let i = 0; i < 20; i++) await col(name).insertOne({ _id: i });
    });
    const seen = Promise.all(watchers.map(async (s) => (await nextChanges(s, 20)).map((c) => ('documentKey' in c ? (c.documentKey._id as unknown as number) : -1))));
    await Promise.all(writers);
    for (const ids of await seen) expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await Promise.all(watchers.map((s) => s.close()));
    await watching.close();
  });
});

describe('mongoose', () => {
  it('Model.watch() delivers change events with the looked-up document', async () => {
    const conn = await mongoose.createConnection(store.uri, { dbName: 'cs_mongoose' }).asPromise();
    try {
      const Agent = conn.model('Agent', new mongoose.Schema({ name: String, status: String }));
      // Mongoose opens the driver's stream lazily: start it at the current cluster time instead.
      const { operationTime } = (await conn.db!.admin().command({ ping: 1 })) as { operationTime: Timestamp };
      const stream = Agent.watch([], { fullDocument: 'updateLookup', startAtOperationTime: operationTime });
      const agent = await Agent.create({ name: 'a1', status: 'ACTIVE' });
      await Agent.updateOne({ _id: agent._id }, { status: 'PAUSED' });
      const insert = (await stream.next()) as Document;
      const update = (await stream.next()) as Document;
      expect(insert).toMatchObject({ operationType: 'insert', fullDocument: { name: 'a1', status: 'ACTIVE' } });
      expect(update).toMatchObject({ operationType: 'update', updateDescription: { updatedFields: { status: 'PAUSED' } }, fullDocument: { name: 'a1', status: 'PAUSED' } });
      await stream.close();
    } finally {
      await conn.close();
    }
  });
});
