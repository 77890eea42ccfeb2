import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';

/**
 * Sizes past what a spread call takes as arguments (~125,000 in V8): an index range read whole
 * and an indexed array of that many elements once overflowed the call stack (a full bench run
 * at 1,000,000 audit entries died on it: "Maximum call stack size exceeded").
 */
describe('results and keys larger than the call stack', () => {
  let store: EmbeddedMongo;
  let client: MongoClient;
  const db = () => client.db('large');

  beforeAll(async () => {
    store = await startEmbeddedMongo();
    client = await MongoClient.connect(store.uri);
  });
  afterAll(async () => {
    await client.close();
    await store.close();
  });

  it('reads 200,000 documents along the ranges of an $in without a limit (find and aggregate)', async () => {
    const c = db().collection('many');
    await c.createIndex({ g: 1 });
    for (let start = 0; start < 200_000; start += 20_000)
      await c.insertMany(
        Array.from({ length: 20_000 }, (_, k) => ({ g: 1, i: start + k })),
        { ordered: false },
      );
    const docs = await c
      .find({ g: { $in: [1, 2] } }, { projection: { _id: 0, i: 1 } })
      .batchSize(50_000)
      .toArray();
    expect(docs.length).toBe(200_000);
    // An aggregate reads its $match whole before the next stage (the agent graph's {status: {$in}} read did).
    const [grouped] = await c
      .aggregate([
        { $match: { g: { $in: [1, 2] } } },
        { $group: { _id: null, n: { $sum: 1 }, top: { $max: '$i' } } },
      ])
      .toArray();
    expect(grouped).toMatchObject({ n: 200_000, top: 199_999 });
    expect(new Set(docs.map((d) => d.i as number)).size).toBe(200_000);
  });

  it('indexes an array of 200,000 elements and finds the document by any of them', async () => {
    const c = db().collection('wide');
    await c.createIndex({ tags: 1 });
    await c.insertOne({ _id: 1, tags: Array.from({ length: 200_000 }, (_, i) => i) } as never);
    expect(await c.countDocuments({ tags: 199_999 })).toBe(1);
    expect((await c.findOne({ tags: 123_456 }, { projection: { _id: 1 } }))?._id).toBe(1);
  });
});
