import { Binary, Decimal128, Double, Int32, Long, MongoClient, ObjectId, Timestamp, type Filter } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';

/** Every BSON number keeps its type through storage, updates, indexes and sorts; `$type` and `$bits*` read it. */
describe('BSON type fidelity', () => {
  let store: EmbeddedMongo;
  let client: MongoClient;
  // promoteValues: false shows the wire types as they are (Int32, Double, Long wrappers).
  type Doc = { _id: number; v?: number | Long | Double | Decimal128 | ObjectId | Binary | Timestamp | string | unknown[] };
  const coll = () => client.db('types').collection<Doc>('t');
  const raw = async (filter: Filter<Doc> = {}) => coll().find(filter, { promoteValues: false, promoteLongs: false }).sort({ _id: 1 }).toArray();
  const ids = async (filter: Filter<Doc>) => (await coll().find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);

  beforeAll(async () => {
    store = await startEmbeddedMongo();
    client = await MongoClient.connect(store.uri);
    await coll().insertMany([
      { _id: 1, v: new Long(37) },
      { _id: 2, v: new Double(1.0) },
      { _id: 3, v: 7 },
      { _id: 4, v: 2.5 },
      { _id: 5, v: Decimal128.fromString('0.1') },
      { _id: 6, v: new ObjectId() },
      { _id: 7, v: new Binary(Buffer.from([0b0000_0101])) },
      { _id: 8, v: new Timestamp({ t: 1, i: 1 }) },
      { _id: 9, v: 'text' },
      { _id: 10, v: [1, 'x'] },
      { _id: 11 },
    ]);
  });
  afterAll(async () => {
    await client.close();
    await store.close();
  });

  it('returns int64, double, int32 and decimal exactly as they were stored', async () => {
    const docs = await raw({ _id: { $lte: 5 } });
    expect(docs[0]!.v).toBeInstanceOf(Long);
    expect((docs[0]!.v as Long).toString()).toBe('37');
    expect(docs[1]!.v).toBeInstanceOf(Double);
    expect(docs[2]!.v).toBeInstanceOf(Int32);
    expect(docs[3]!.v).toBeInstanceOf(Double);
    expect(docs[4]!.v).toBeInstanceOf(Decimal128);
  });

  it('matches $type by name and by number', async () => {
    expect(await ids({ v: { $type: 'long' } })).toEqual([1]);
    expect(await ids({ v: { $type: 'double' } })).toEqual([2, 4]);
    expect(await ids({ v: { $type: 1 } })).toEqual([2, 4]);
    expect(await ids({ v: { $type: 'int' } })).toEqual([3, 10]);
    expect(await ids({ v: { $type: 'decimal' } })).toEqual([5]);
    expect(await ids({ v: { $type: 'objectId' } })).toEqual([6]);
    expect(await ids({ v: { $type: 7 } })).toEqual([6]);
    expect(await ids({ v: { $type: 'binData' } })).toEqual([7]);
    expect(await ids({ v: { $type: 'timestamp' } })).toEqual([8]);
    expect(await ids({ v: { $type: 'number' } })).toEqual([1, 2, 3, 4, 5, 10]);
    expect(await ids({ v: { $type: ['string', 'long'] } })).toEqual([1, 9, 10]);
    expect(await ids({ v: { $type: 'array' } })).toEqual([10]);
    await expect(coll().find({ v: { $type: 'nonsense' } }).toArray()).rejects.toMatchObject({ code: 2 });
  });

  it('tests bits on numbers and BinData only, never on missing fields', async () => {
    expect(await ids({ v: { $bitsAnyClear: [1] } })).toEqual([1, 2, 7, 10]);
    expect(await ids({ v: { $bitsAllSet: 5 } })).toEqual([1, 3, 7]);
    expect(await ids({ v: { $bitsAnySet: [1] } })).toEqual([3]);
    expect(await ids({ _id: 11, v: { $bitsAllClear: 1 } })).toEqual([]);
  });

  it('keeps types through $inc/$mul with mongod promotion, and adds decimals in decimal', async () => {
    await coll().updateOne({ _id: 1 }, { $inc: { v: 1 } } as never);
    await coll().updateOne({ _id: 2 }, { $inc: { v: 1 } } as never);
    await coll().updateOne({ _id: 5 }, { $inc: { v: Decimal128.fromString('0.2') } } as never);
    await coll().updateOne({ _id: 3 }, { $inc: { v: 2_147_483_647 } } as never);
    await coll().updateOne({ _id: 4 }, { $mul: { v: 2 } } as never);
    const docs = await raw({ _id: { $lte: 5 } });
    expect(docs[0]!.v).toEqual(new Long(38));
    expect(docs[1]!.v).toEqual(new Double(2));
    expect(docs[2]!.v).toEqual(Long.fromNumber(2_147_483_654));
    expect(docs[3]!.v).toEqual(new Double(5));
    expect(docs[4]!.v).toEqual(Decimal128.fromString('0.3'));
  });

  it('sorts and indexes numbers of every type by value', async () => {
    await coll().createIndex({ v: 1 });
    const sorted = (await coll().find({ v: { $type: 'number' } }).sort({ v: 1 }).toArray()).map((d) => d._id);
    const scanned = (await coll().find({ v: { $type: 'number' } }).hint({ $natural: 1 }).toArray())
      .sort((a, b) => Number(a.v) - Number(b.v))
      .map((d) => d._id);
    expect(sorted).toEqual([5, 10, 2, 4, 1, 3]);
    expect(new Set(scanned)).toEqual(new Set(sorted));
    expect(await ids({ v: { $gte: 5, $lt: 40 } })).toEqual([1, 4]);
  });
});
