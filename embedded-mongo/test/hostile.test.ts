import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';
import { opMsg, opMsgBytes, RawClient } from './helpers/rawClient.js';

describe('hostile input', () => {
  let store: EmbeddedMongo;
  let client: MongoClient;

  beforeAll(async () => {
    store = await startEmbeddedMongo();
    client = await MongoClient.connect(store.uri);
    await client.db('h').collection('c').insertOne({ a: 1 });
  });
  afterAll(async () => {
    await client.close();
    await store.close();
  });

  /** After every attack, a driver connection opened earlier still works. */
  async function stillServing(): Promise<void> {
    expect(await client.db('h').collection('c').countDocuments({ a: 1 })).toBe(1);
  }

  it('closes the connection on a truncated frame', async () => {
    const raw = await RawClient.open(store.port!);
    raw.send(opMsg({ ping: 1, $db: 'h' }).subarray(0, 12));
    raw.socket.end();
    expect(await raw.reply()).toBeUndefined();
    await stillServing();
  });

  it('closes the connection on an oversized message length', async () => {
    const raw = await RawClient.open(store.port!);
    const head = Buffer.alloc(16);
    head.writeInt32LE(100 * 1024 * 1024, 0);
    head.writeInt32LE(2013, 12);
    raw.send(head);
    expect(await raw.reply()).toBeUndefined();
    await stillServing();
  });

  it('closes the connection on a negative length or random garbage', async () => {
    for (const bytes of [Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')]) {
      const raw = await RawClient.open(store.port!);
      raw.send(bytes);
      expect(await raw.reply()).toBeUndefined();
    }
    await stillServing();
  });

  it('rejects invalid BSON in a well-framed message', async () => {
    const raw = await RawClient.open(store.port!);
    const bad = Buffer.from([0x10, 0, 0, 0, 0x7f, 0x61, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]); // type 0x7f does not exist
    raw.send(opMsgBytes(bad));
    expect(await raw.reply()).toBeUndefined();
    await stillServing();
  });

  it('answers unknown commands with CommandNotFound naming the command', async () => {
    const raw = await RawClient.open(store.port!);
    raw.send(opMsg({ frobnicate: 1, $db: 'h' }));
    expect(await raw.reply()).toMatchObject({ ok: 0, code: 59, codeName: 'CommandNotFound', errmsg: expect.stringContaining('frobnicate') as unknown });
    raw.send(opMsg({ ping: 1, $db: 'h' }, 2));
    expect(await raw.reply()).toMatchObject({ ok: 1 });
    raw.close();
  });

  it('answers unknown query and update operators with an error', async () => {
    const coll = client.db('h').collection('c');
    await expect(coll.find({ a: { $frob: 1 } }).toArray()).rejects.toMatchObject({ name: 'MongoServerError' });
    await expect(coll.updateOne({ a: 1 }, { $frob: { a: 2 } })).rejects.toMatchObject({ name: 'MongoServerError', code: 9 });
    await expect(coll.aggregate([{ $frob: {} }]).toArray()).rejects.toMatchObject({ name: 'MongoServerError' });
    await stillServing();
  });

  it('refuses documents over 16 MiB with BSONObjectTooLarge', async () => {
    const raw = await RawClient.open(store.port!);
    raw.send(opMsg({ insert: 'c', documents: [{ big: 'x'.repeat(17 * 1024 * 1024) }], $db: 'h' }));
    const reply = await raw.reply();
    expect(reply).toMatchObject({ ok: 1, n: 0, writeErrors: [{ code: 10334 }] });
    raw.close();
    await stillServing();
  });
});
