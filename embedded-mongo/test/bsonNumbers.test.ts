import { Decimal128, Long, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';

describe('Long and Decimal128 values', () => {
  let store: EmbeddedMongo;
  let client: MongoClient;
  const coll = () => client.db('num').collection<{ _id: number; v: number | Long | Decimal128 | string | unknown[] }>('n');

  beforeAll(async () => {
    store = await startEmbeddedMongo();
    client = await MongoClient.connect(store.uri, { promoteLongs: false });
    await coll().insertMany([
      { _id: 1, v: Long.fromString('9007199254740993') },
      { _id: 2, v: Decimal128.fromString('2.5') },
      { _id: 3, v: 3 },
      { _id: 4, v: 'text' },
      { _id: 5, v: [1, Decimal128.fromString('10')] },
    ]);
  });
  afterAll(async () => {
    await client.close();
    await store.close();
  });

  const ids = async (filter: object, sort: object = { _id: 1 }) => (await coll().find(filter).sort(sort as never).toArray()).map((d) => d._id);

  it('compares across number types with type bracketing', async () => {
    expect(await ids({ v: { $gt: 2 } })).toEqual([1, 2, 3, 5]);
    expect(await ids({ v: { $lt: 3 } })).toEqual([2, 5]);
    expect(await ids({ v: { $gte: Decimal128.fromString('9007199254740992') } })).toEqual([1]);
    expect(await ids({ v: 2.5 })).toEqual([2]);
    expect(await ids({ v: { $in: [10] } })).toEqual([5]);
  });

  it('sorts numbers of every type by value, before strings', async () => {
    expect(await ids({ _id: { $lte: 4 } }, { v: 1 })).toEqual([2, 3, 1, 4]);
  });

  it('increments int64 exactly and Decimal128 by value', async () => {
    // The driver's types only allow $inc on number fields; the point here is the BSON wrappers.
    await coll().updateOne({ _id: 1 }, { $inc: { v: Long.fromNumber(2) } } as never);
    await coll().updateOne({ _id: 2 }, { $inc: { v: 1 } } as never);
    const docs = await coll().find({ _id: { $in: [1, 2] } }).sort({ _id: 1 }).toArray();
    expect(String(docs[0]!.v)).toBe('9007199254740995');
    expect(docs[1]!.v).toEqual(Decimal128.fromString('3.5'));
  });
});
