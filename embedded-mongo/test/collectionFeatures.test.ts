import { MongoClient, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';

/** Views, validators, capped collections, default collations, index conflicts, hints, explain. */
describe('collection features', () => {
  let store: EmbeddedMongo;
  let client: MongoClient;
  const db = () => client.db('features');
  type Doc = { _id: number } & Document;

  beforeAll(async () => {
    store = await startEmbeddedMongo();
    client = await MongoClient.connect(store.uri);
    await db().collection<Doc>('orders').insertMany([
      { _id: 1, status: 'open', total: 5 },
      { _id: 2, status: 'paid', total: 50 },
      { _id: 3, status: 'paid', total: 500 },
    ]);
  });
  afterAll(async () => {
    await client.close();
    await store.close();
  });

  it('serves views: find, count, aggregate, distinct over the pipeline; writes refused (166)', async () => {
    await db().createCollection('paid', { viewOn: 'orders', pipeline: [{ $match: { status: 'paid' } }, { $project: { total: 1 } }] });
    const view = db().collection('paid');
    expect(await view.find({ total: { $gt: 100 } }).toArray()).toEqual([{ _id: 3, total: 500 }]);
    expect(await view.estimatedDocumentCount()).toBe(2);
    expect(await view.countDocuments({ total: { $lt: 100 } })).toBe(1);
    expect(await view.aggregate([{ $group: { _id: null, sum: { $sum: '$total' } } }]).toArray()).toEqual([{ _id: null, sum: 550 }]);
    expect(await view.distinct('total')).toEqual([50, 500]);
    const info = await db().listCollections({ name: 'paid' }).toArray();
    expect(info[0]).toMatchObject({ type: 'view', options: { viewOn: 'orders' } });
    await expect(view.insertOne({ total: 1 })).rejects.toMatchObject({ code: 166 });
    await expect(view.updateOne({}, { $set: { x: 1 } })).rejects.toMatchObject({ code: 166 });
  });

  it('enforces validators from create and collMod, $jsonSchema included, with levels and actions', async () => {
    await db().createCollection('people', { validator: { $jsonSchema: { bsonType: 'object', required: ['name'], properties: { age: { bsonType: 'int', minimum: 0 } } } } });
    const people = db().collection<Doc>('people');
    await people.insertOne({ _id: 1, name: 'ann', age: 30 });
    await expect(people.insertOne({ _id: 2, age: 3 })).rejects.toMatchObject({ code: 121, errInfo: { failingDocumentId: 2 } });
    await expect(people.updateOne({ _id: 1 }, { $set: { age: -1 } })).rejects.toMatchObject({ code: 121 });
    await people.insertOne({ _id: 3, age: 3 }, { bypassDocumentValidation: true });
    await db().command({ collMod: 'people', validator: { name: { $type: 'string' } }, validationLevel: 'moderate' });
    await people.updateOne({ _id: 3 }, { $set: { age: 4 } }); // already invalid: moderate lets it be
    await expect(people.insertOne({ _id: 4, name: 7 })).rejects.toMatchObject({ code: 121 });
    await db().command({ collMod: 'people', validationAction: 'warn' });
    await people.insertOne({ _id: 5, name: 8 });
    expect(await people.countDocuments()).toBe(3);
  });

  it('keeps only the newest documents of a capped collection', async () => {
    await db().createCollection('log', { capped: true, size: 1_000_000, max: 3 });
    for (let i = 1; i <= 5; i++) await db().collection<Doc>('log').insertOne({ _id: i });
    expect((await db().collection<Doc>('log').find().toArray()).map((d) => d._id)).toEqual([3, 4, 5]);
  });

  it("applies a collection's default collation to its queries", async () => {
    await db().createCollection('names', { collation: { locale: 'en', strength: 2 } });
    await db().collection('names').insertMany([{ n: 'Alice' }, { n: 'bob' }]);
    expect(await db().collection('names').countDocuments({ n: 'alice' })).toBe(1);
    expect((await db().collection('names').find({ n: 'BOB' }).toArray()).length).toBe(1);
  });

  it('keys a unique index with a case-insensitive collation by folded strings (11000), and never plans with it', async () => {
    const users = db().collection<Document>('users');
    await users.createIndex({ username: 1 }, { unique: true, collation: { locale: 'en', strength: 2 } });
    await users.createIndex({ handle: 1 }, { unique: true, collation: { locale: 'en', strength: 1 } });
    await users.insertOne({ username: 'Val', handle: 'José' });
    await expect(users.insertOne({ username: 'val' })).rejects.toMatchObject({ code: 11000, keyValue: { username: 'val' } });
    await expect(users.insertOne({ username: 'Ann', handle: 'JOSE' })).rejects.toMatchObject({ code: 11000 });
    await users.insertOne({ username: 'Vál' });
    // A simple-collation query is exact and sorts in binary order, whatever the index's collation.
    expect((await users.find({ username: 'val' }).toArray()).length).toBe(0);
    expect((await users.find({}, { sort: { username: 1 } }).toArray()).map((u) => u.username as string)).toEqual(['Val', 'Vál']);
  });

  it('refuses conflicting index specs (85, 86) and hints to missing indexes (2); hidden indexes are not used', async () => {
    const orders = db().collection<Doc>('orders');
    await orders.createIndex({ status: 1 }, { name: 'by_status' });
    await expect(orders.createIndex({ status: 1 }, { name: 'other' })).rejects.toMatchObject({ code: 85 });
    await expect(orders.createIndex({ total: 1 }, { name: 'by_status' })).rejects.toMatchObject({ code: 86 });
    await expect(orders.createIndex({ status: 1 }, { name: 'by_status', unique: true })).rejects.toMatchObject({ code: 85 });
    await expect(orders.find({}).hint('nope').toArray()).rejects.toMatchObject({ code: 2 });
    await expect(orders.find({}).hint({ nope: 1 }).toArray()).rejects.toMatchObject({ code: 2 });
    expect(await orders.find({ status: 'paid' }).hint('by_status').toArray()).toHaveLength(2);
    const plan = async () => ((await orders.find({ status: 'paid' }).explain())).queryPlanner.winningPlan.inputStage.stage as string;
    expect(await plan()).toBe('IXSCAN');
    await db().command({ collMod: 'orders', index: { name: 'by_status', hidden: true } });
    expect(await plan()).toBe('COLLSCAN');
    await expect(orders.find({}).hint('by_status').toArray()).rejects.toMatchObject({ code: 2 });
  });

  it('reads a hinted index in its order, in find and aggregate; unknown stages are 40324', async () => {
    const stock = db().collection<Doc>('stock');
    await stock.insertMany([{ _id: 1, name: 'Andrew', qty: 4 }, { _id: 2, name: 'Betty', qty: 5 }, { _id: 3, name: 'Charlie', qty: 4 }]);
    await stock.createIndex({ qty: -1, name: -1 });
    const names = (docs: Document[]) => docs.map((d) => d.name as string);
    expect(names(await stock.find({}).hint({ qty: -1, name: -1 }).toArray())).toEqual(['Betty', 'Charlie', 'Andrew']);
    expect(names(await stock.find({ qty: 4 }).hint('qty_-1_name_-1').toArray())).toEqual(['Charlie', 'Andrew']);
    expect(names(await stock.aggregate([{ $match: {} }], { hint: { qty: -1, name: -1 } }).toArray())).toEqual(['Betty', 'Charlie', 'Andrew']);
    expect(names(await stock.find({}).hint({ $natural: 1 }).toArray())).toEqual(['Andrew', 'Betty', 'Charlie']);
    await expect(stock.aggregate([{ $fakeStage: {} }]).toArray()).rejects.toMatchObject({ code: 40324, message: "Unrecognized pipeline stage name: '$fakeStage'" });
  });

  it('explains aggregations and names $where as unsupported', async () => {
    const explained = (await db().collection<Doc>('orders').aggregate([{ $match: { status: 'paid' } }, { $group: { _id: null, n: { $sum: 1 } } }]).explain());
    expect(explained.ok).toBe(1);
    expect(JSON.stringify(explained)).toContain('$group');
    await expect(db().collection<Doc>('orders').find({ $where: 'this.total > 1' }).toArray()).rejects.toThrow(/\$where is not supported/);
  });

  it('answers $top/$bottom with the value itself and computes $setWindowFields windows', async () => {
    const orders = db().collection<Doc>('orders');
    const grouped = await orders.aggregate([{ $group: { _id: null, top: { $top: { sortBy: { total: -1 }, output: '$total' } }, bottom: { $bottom: { sortBy: { total: -1 }, output: ['$_id', '$total'] } } } }]).toArray();
    expect(grouped).toEqual([{ _id: null, top: 500, bottom: [1, 5] }]);
    const running = await orders.aggregate([{ $setWindowFields: { sortBy: { _id: 1 }, output: { sum: { $sum: '$total', window: { documents: ['unbounded', 'current'] } } } } }, { $project: { sum: 1 } }]).toArray();
    expect(running).toEqual([{ _id: 1, sum: 5 }, { _id: 2, sum: 55 }, { _id: 3, sum: 555 }]);
    await expect(orders.aggregate([{ $project: { x: { $function: { body: 'function() { return 1 }', args: [], lang: 'js' } } } }]).toArray()).rejects.toThrow(/not supported/);
  });
});
