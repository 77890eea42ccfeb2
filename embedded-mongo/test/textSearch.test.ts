import { MongoClient, type Document } from 'mongodb';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';

/** `$text` on text indexes (SQLite FTS5), through the driver and mongoose as an application uses it. */
describe('text indexes and $text', () => {
  let store: EmbeddedMongo;
  let client: MongoClient;
  const coll = () => client.db('text').collection<Document>('articles');
  const titles = async (filter: Document, options: Document = {}) =>
    (await coll().find(filter, options).toArray()).map((d) => d.title as string).sort();

  beforeAll(async () => {
    store = await startEmbeddedMongo();
    client = await MongoClient.connect(store.uri);
    await coll().insertMany([
      { title: 'coffee shop', body: 'The best espresso in town', views: 10 },
      { title: 'coffee and cake', body: 'Baking with coffee', views: 50 },
      { title: 'tea room', body: 'Green tea and a quiet garden', views: 5 },
      { title: 'Café culture', body: 'Running late? Grab a coffee to go', views: 20, tags: ['shops', 'morning'] },
      { title: 'untitled', views: 1 },
    ]);
    await coll().createIndex({ title: 'text', body: 'text' }, { weights: { title: 10 }, name: 'search' });
  });
  afterAll(async () => {
    await client.close();
    await store.close();
  });

  it('lists the index as mongod does', async () => {
    const ix = (await coll().listIndexes().toArray()).find((i) => i.name === 'search');
    expect(ix).toMatchObject({ key: { _fts: 'text', _ftsx: 1 }, weights: { title: 10, body: 1 }, default_language: 'english', textIndexVersion: 3 });
  });

  it('matches any term, with stemming, case and diacritic folding', async () => {
    expect(await titles({ $text: { $search: 'espresso garden' } })).toEqual(['coffee shop', 'tea room']);
    expect(await titles({ $text: { $search: 'shops' } })).toEqual(['coffee shop']);
    expect(await titles({ $text: { $search: 'CAFE' } })).toEqual(['Café culture']);
    expect(await titles({ $text: { $search: 'running' } })).toEqual(['Café culture']);
    expect(await titles({ $text: { $search: 'the and' } })).toEqual([]);
  });

  it('requires phrases, excludes negations, and combines with other predicates', async () => {
    expect(await titles({ $text: { $search: 'coffee "green tea"' } })).toEqual(['tea room']);
    expect(await titles({ $text: { $search: 'coffee -cake' } })).toEqual(['Café culture', 'coffee shop']);
    expect(await titles({ $text: { $search: 'coffee' }, views: { $gte: 20 } })).toEqual(['Café culture', 'coffee and cake']);
    expect(await coll().countDocuments({ $text: { $search: 'coffee' } })).toBe(3);
  });

  it('sorts and projects by textScore, title weighing more than body', async () => {
    const docs = await coll()
      .find({ $text: { $search: 'coffee' } }, { projection: { title: 1, score: { $meta: 'textScore' } } })
      .sort({ score: { $meta: 'textScore' } })
      .toArray();
    expect(docs.map((d) => d.title as string)).toEqual(['coffee and cake', 'coffee shop', 'Café culture']);
    expect(docs.every((d) => typeof d.score === 'number' && d.score > 0)).toBe(true);
    expect(docs[0]!.score as number).toBeGreaterThan(docs[2]!.score as number);
  });

  it('keeps the index in step with updates and deletes', async () => {
    await coll().updateOne({ title: 'tea room' }, { $set: { body: 'now serving espresso' } });
    expect(await titles({ $text: { $search: 'garden' } })).toEqual([]);
    expect(await titles({ $text: { $search: 'espresso' } })).toEqual(['coffee shop', 'tea room']);
    await coll().deleteOne({ title: 'coffee shop' });
    expect(await titles({ $text: { $search: 'espresso' } })).toEqual(['tea room']);
  });

  it('answers mongod errors: no text index (27), a second text index (85)', async () => {
    await expect(client.db('text').collection('plain').find({ $text: { $search: 'x' } }).toArray()).rejects.toMatchObject({ code: 27 });
    await expect(coll().createIndex({ body: 'text' })).rejects.toMatchObject({ code: 85 });
  });

  it("works through mongoose's text index and $language: 'none'", async () => {
    const conn = await mongoose.createConnection(store.uri, { dbName: 'textm' }).asPromise();
    try {
      const schema = new mongoose.Schema({ name: String, notes: String });
      schema.index({ name: 'text', notes: 'text' }, { default_language: 'none' });
      const Note = conn.model('Note', schema);
      await Note.syncIndexes();
      await Note.create([{ name: 'running shoes', notes: 'for the park' }, { name: 'run club', notes: 'weekly' }]);
      const found = await Note.find({ $text: { $search: 'run', $language: 'none' } }).lean();
      expect(found.map((n) => n.name)).toEqual(['run club']);
      expect(await Note.syncIndexes()).toEqual([]);
    } finally {
      await conn.close();
    }
  });
});
