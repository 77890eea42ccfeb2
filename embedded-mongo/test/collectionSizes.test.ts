import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { calculateObjectSize } from 'bson';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_FILE } from '../src/dataDir.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';

/**
 * A collection's count and size are kept as documents change (a count over 10,000,000 documents
 * read the whole file while every other request waited). The count must stay exact through
 * partial inserts, updates, drops and re-creation, and a data directory
 * written before it was kept. (The size is what a capped collection is held to: its tests are in
 * collectionFeatures.test.ts, and the last case here.)
 */
describe('collection counts and sizes', () => {
  let dir: string;
  let store: EmbeddedMongo;
  let client: MongoClient;
  const db = (): Db => client.db('sizes');

  const open = async () => {
    store = await startEmbeddedMongo({ dir });
    client = await MongoClient.connect(store.uri);
  };
  const close = async () => {
    await client.close();
    await store.close();
  };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'em-sizes-'));
    await open();
  });
  afterAll(async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  });

  /** What the counters say against what reading every document says. */
  async function expectExact(name: string) {
    const c = db().collection(name);
    const docs = await c.find({ _id: { $exists: true } }).toArray();
    expect(await c.estimatedDocumentCount()).toBe(docs.length);
    expect((await db().command({ count: name })).n).toBe(docs.length);
    return docs.length;
  }

  it('stay exact through partial inserts, updates and deletes', async () => {
    const c = db().collection<{ _id: number; pad?: string; i?: number }>('log');
    await c.insertMany(
      Array.from({ length: 500 }, (_, i) => ({ _id: i, pad: 'x'.repeat(i % 50) })),
    );
    // Ordered: stops at the duplicate, the ones before it stay.
    await expect(
      c.insertMany([{ _id: 1000 }, { _id: 1001 }, { _id: 3 }, { _id: 1002 }]),
    ).rejects.toThrow();
    expect(await expectExact('log')).toBe(502);

    await c.updateMany({ _id: { $lt: 50 } }, { $set: { pad: 'y'.repeat(300) } });
    await c.updateMany({ _id: { $gte: 450, $lt: 500 } }, { $unset: { pad: '' } });
    await c.replaceOne({ _id: 7 }, { i: 7 });
    await c.deleteMany({ _id: { $gte: 200, $lt: 260 } });
    expect(await expectExact('log')).toBe(442);
  });

  it('start again at zero for a collection dropped and created again', async () => {
    const c = db().collection('again');
    await c.insertMany([{ a: 1 }, { a: 2 }]);
    await c.drop();
    await db().createCollection('again');
    expect(await expectExact('again')).toBe(0);
    await c.insertOne({ a: 3 });
    expect(await expectExact('again')).toBe(1);
    await db().dropDatabase();
    expect(await c.estimatedDocumentCount()).toBe(0);
  });

  it('count a collection written before they were kept, once, then keep it', async () => {
    const c = db().collection('old');
    await c.insertMany(Array.from({ length: 300 }, (_, i) => ({ i })));
    await close();
    // As a data directory from before: no counters, no triggers.
    const sqlite = new Database(path.join(dir, DB_FILE));
    for (const { name } of sqlite
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'trigger'")
      .all())
      sqlite.exec(`DROP TRIGGER ${name}`);
    sqlite.exec('DROP TABLE collection_sizes');
    sqlite.close();
    await open();
    expect(await expectExact('old')).toBe(300);
    await db().collection('old').insertOne({ i: 300 });
    await db()
      .collection('old')
      .deleteMany({ i: { $lt: 10 } });
    expect(await expectExact('old')).toBe(291);
  });

  it('keep a capped collection within its byte size as documents grow and shrink', async () => {
    await db().createCollection('ring', { capped: true, size: 4096 });
    const c = db().collection<{ i: number; pad: string }>('ring');
    for (let i = 0; i < 60; i++) await c.insertOne({ i, pad: 'z'.repeat(200) });
    const docs = await c.find().toArray();
    const bytes = docs.reduce((n, d) => n + calculateObjectSize(d), 0);
    expect(bytes).toBeLessThanOrEqual(4096);
    // The newest ones are kept; one more 200-byte document would not have fitted.
    expect(docs.at(-1)?.i).toBe(59);
    expect(bytes + 240).toBeGreaterThan(4096);
  });
});
