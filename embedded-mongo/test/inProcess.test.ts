import { Binary, Decimal128, Double, Int32, Long, MongoClient, ObjectId, Timestamp } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo, type InProcessClient } from '../src/index.js';

// The in-process client must store exactly what the driver would: both write the same documents
// and the driver reads them back as raw BSON, which must be byte-identical.
describe('in-process client', () => {
  let store: EmbeddedMongo;
  let client: MongoClient;
  let local: InProcessClient;

  beforeAll(async () => {
    store = await startEmbeddedMongo();
    client = await MongoClient.connect(store.uri);
    local = store.inProcess();
  });
  afterAll(async () => {
    await client.close();
    await store.close();
  });

  const sample = (id: string) => ({
    _id: id,
    int: 7,
    big: 2 ** 40,
    frac: 1.5,
    negZero: -0,
    double: new Double(3),
    int32: new Int32(9),
    long: Long.fromString('9007199254740993'),
    dec: Decimal128.fromString('0.1'),
    oid: new ObjectId('64b7f0c2a1b2c3d4e5f60718'),
    at: new Date('2026-12-07T17:00:00.000Z'),
    bin: new Binary(Buffer.from([1, 2, 3])),
    buf: Buffer.from('abc'),
    ts: new Timestamp({ t: 5, i: 1 }),
    re: /a.c/i,
    nothing: null,
    missing: undefined,
    text: 'zürich ✓',
    nested: { list: [1, 'two', { three: 3.25 }], empty: {} },
  });

  const raw = async (coll: string, id: string) => {
    const doc = await client.db('ip').collection(coll).findOne({ _id: id as never }, { raw: true });
    return Buffer.from(doc as unknown as Uint8Array);
  };

  it('stores a document byte for byte as the driver does', async () => {
    await client.db('ip').collection('viaDriver').insertOne(sample('a') as never);
    const reply = await local.command('ip', { insert: 'viaLocal', documents: [sample('a')] });
    expect(reply).toMatchObject({ ok: 1, n: 1 });
    expect((await raw('viaLocal', 'a')).equals(await raw('viaDriver', 'a'))).toBe(true);
  });

  it('leaves out undefined fields when asked, as the driver option does', async () => {
    await local.command('ip', { insert: 'sparse', documents: [{ _id: 's', gone: undefined, kept: 1 }] });
    await store.inProcess({ ignoreUndefined: true }).command('ip', { insert: 'sparse', documents: [{ _id: 't', gone: undefined, kept: 1 }] });
    const docs = await client.db('ip').collection('sparse').find().sort({ _id: 1 }).toArray();
    expect(docs).toEqual([{ _id: 's', gone: null, kept: 1 }, { _id: 't', kept: 1 }]);
  });

  it('answers updates and upserts with the counts the driver reads', async () => {
    await local.command('ip', { insert: 'u', documents: [{ _id: 1, n: 0 }] });
    const reply = await local.command('ip', {
      update: 'u',
      updates: [
        { q: { _id: 1 }, u: { $inc: { n: 1 } } },
        { q: { _id: 2 }, u: { $inc: { n: 1 } }, upsert: true },
        { q: { _id: 3 }, u: { $inc: { n: 1 } } },
      ],
      ordered: false,
    });
    expect(reply).toMatchObject({ ok: 1, n: 2, nModified: 1, upserted: [{ index: 1, _id: 2 }] });
    expect(await client.db('ip').collection('u').find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, n: 1 },
      { _id: 2, n: 1 },
    ]);
  });

  it('reports a duplicate key as a write error and keeps what was stored', async () => {
    await client.db('ip').collection('dup').createIndex({ k: 1 }, { unique: true });
    await local.command('ip', { insert: 'dup', documents: [{ _id: 1, k: 'x', v: 'first' }] });
    const reply = await local.command('ip', { insert: 'dup', documents: [{ _id: 2, k: 'y' }, { _id: 3, k: 'x' }, { _id: 4, k: 'z' }], ordered: true });
    expect(reply.ok).toBe(1);
    expect(reply.n).toBe(1);
    expect(reply.writeErrors).toMatchObject([{ index: 1, code: 11000 }]);
    const docs = await client.db('ip').collection('dup').find().sort({ _id: 1 }).toArray();
    expect(docs.map((d) => d._id)).toEqual([1, 2]);
    expect(docs[0]).toMatchObject({ v: 'first' });
  });

  it('answers a bad command with ok: 0, as mongod does, and rejects what cannot be encoded', async () => {
    const reply = await local.command('ip', { noSuchCommand: 1 });
    expect(reply).toMatchObject({ ok: 0, codeName: 'CommandNotFound' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(local.command('ip', { insert: 'c', documents: [cyclic] })).rejects.toThrow();
  });

  it('feeds change streams like any other write', async () => {
    // Watching from a cluster time taken before the write: no race with the stream's opening.
    const session = client.startSession();
    await client.db('ip').command({ ping: 1 }, { session });
    const stream = client.db('ip').collection('watched').watch([], { startAtOperationTime: session.operationTime });
    await session.endSession();
    await local.command('ip', { insert: 'watched', documents: [{ _id: 'w', v: 1 }] });
    expect(await stream.next()).toMatchObject({ operationType: 'insert', fullDocument: { _id: 'w', v: 1 } });
    await stream.close();
  });
});
