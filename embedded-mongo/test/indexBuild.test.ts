import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';

/**
 * An index created over documents already stored is built a page at a time (holding every
 * decoded document at once ran out of memory on large collections). These sizes cross several
 * pages, with deletions leaving gaps in the record ids the pages resume after.
 */
describe('building an index over existing documents', () => {
  let store: EmbeddedMongo;
  let client: MongoClient;
  const db = () => client.db('build');

  beforeAll(async () => {
    store = await startEmbeddedMongo();
    client = await MongoClient.connect(store.uri);
  });
  afterAll(async () => {
    await client.close();
    await store.close();
  });

  it('indexes every document, across pages and gaps', async () => {
    const c = db().collection('pages');
    await c.insertMany(
      Array.from({ length: 3_500 }, (_, i) => ({ i, g: i % 7, tags: [`t${i % 3}`, `u${i}`] })),
    );
    await c.deleteMany({ i: { $gte: 990, $lt: 1_020 } });
    await c.createIndex({ g: 1, i: -1 });
    await c.createIndex({ tags: 1 });
    const viaIndex = await c
      .find({ g: 3 })
      .hint({ g: 1, i: -1 })
      .project({ _id: 0, i: 1 })
      .toArray();
    const expected = Array.from({ length: 3_500 }, (_, i) => i)
      .filter((i) => i % 7 === 3 && (i < 990 || i >= 1_020))
      .reverse();
    expect(viaIndex.map((d) => d.i as number)).toEqual(expected);
    expect(await c.countDocuments({ tags: 'u3499' }, { hint: { tags: 1 } })).toBe(1);
    const kept = Array.from({ length: 3_500 }, (_, i) => i).filter((i) => i < 990 || i >= 1_020);
    expect(await c.countDocuments({ tags: 't0' }, { hint: { tags: 1 } })).toBe(
      kept.filter((i) => i % 3 === 0).length,
    );
  });

  it('refuses a unique index whose duplicate is pages past the first, and leaves no index behind', async () => {
    const c = db().collection('dupes');
    await c.insertMany(Array.from({ length: 2_600 }, (_, i) => ({ k: i })));
    await c.insertOne({ k: 7 }); // the duplicate is the last document: pages after the first
    await expect(c.createIndex({ k: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 });
    const names = (await c.indexes()).map((ix) => ix.name);
    expect(names).toEqual(['_id_']);
    expect(await c.countDocuments({})).toBe(2_601);
  });
});
