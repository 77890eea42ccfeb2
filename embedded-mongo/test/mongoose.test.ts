import mongoose, { Schema, type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';

const authorSchema = new Schema({ name: { type: String, required: true, unique: true } });
const postSchema = new Schema(
  {
    title: String,
    author: { type: Schema.Types.ObjectId, ref: 'Author' },
    agent: String,
    seq: Number,
    tags: [String],
    views: { type: Number, default: 0 },
  },
  { timestamps: true },
);
postSchema.index({ agent: 1, seq: -1 });
const sessionSchema = new Schema({ token: String, createdAt: { type: Date, expires: 1 } });

const bindModels = (conn: Connection) => ({ Author: conn.model('Author', authorSchema), Post: conn.model('Post', postSchema) });

describe('mongoose against embedded-mongo', () => {
  let store: EmbeddedMongo;
  let conn: Connection;
  let Author: ReturnType<typeof bindModels>['Author'];
  let Post: ReturnType<typeof bindModels>['Post'];

  beforeAll(async () => {
    store = await startEmbeddedMongo({ ttlIntervalMs: 50 });
    conn = await mongoose.createConnection(store.uri, { dbName: 'blog' }).asPromise();
    ({ Author, Post } = bindModels(conn));
    await Author.syncIndexes();
    await Post.syncIndexes();
  });
  afterAll(async () => {
    await conn.close();
    await store.close();
  });

  it('creates and inserts many, then finds with sort, skip, limit and projection', async () => {
    const ada = await Author.create({ name: 'Ada' });
    await Post.insertMany(
      Array.from({ length: 30 }, (_, i) => ({ title: `p${i}`, author: ada._id, agent: i % 2 ? 'odd' : 'even', seq: i, tags: [`t${i % 3}`] })),
    );
    const page = await Post.find({ agent: 'odd' }).sort({ seq: -1 }).skip(2).limit(3).select({ title: 1, _id: 0 }).lean();
    expect(page).toEqual([{ title: 'p25' }, { title: 'p23' }, { title: 'p21' }]);
  });

  it('populates references', async () => {
    const post = await Post.findOne({ title: 'p0' }).populate<{ author: { name: string } }>('author').lean();
    expect(post?.author.name).toBe('Ada');
  });

  it('upserts with findOneAndUpdate using $inc, $set and $setOnInsert', async () => {
    const first = await Post.findOneAndUpdate(
      { title: 'counter' },
      { $inc: { views: 1 }, $set: { agent: 'x' }, $setOnInsert: { seq: 100 } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    expect(first).toMatchObject({ title: 'counter', views: 1, agent: 'x', seq: 100 });
    const second = await Post.findOneAndUpdate({ title: 'counter' }, { $inc: { views: 5 }, $setOnInsert: { seq: 0 } }, { upsert: true, returnDocument: 'after' }).lean();
    expect(second).toMatchObject({ views: 6, seq: 100 });
  });

  it('updates many, deletes many and counts', async () => {
    const upd = await Post.updateMany({ agent: 'even' }, { $push: { tags: 'bulk' } });
    expect(upd.modifiedCount).toBe(15);
    expect(await Post.countDocuments({ tags: 'bulk' })).toBe(15);
    const del = await Post.deleteMany({ agent: 'even', seq: { $gte: 20 } });
    expect(del.deletedCount).toBe(5);
    expect(await Post.countDocuments({ agent: 'even' })).toBe(10);
  });

  it('aggregates with $group and $facet, and answers distinct', async () => {
    const byAgent = await Post.aggregate<{ _id: string; n: number }>([{ $match: { agent: { $in: ['odd', 'even'] } } }, { $group: { _id: '$agent', n: { $sum: 1 } } }, { $sort: { _id: 1 } }]);
    expect(byAgent).toEqual([{ _id: 'even', n: 10 }, { _id: 'odd', n: 15 }]);
    const [facets] = await Post.aggregate<{ total: { n: number }[]; top: { seq: number }[] }>([
      { $match: { agent: 'odd' } },
      { $facet: { total: [{ $count: 'n' }], top: [{ $sort: { seq: -1 } }, { $limit: 1 }, { $project: { _id: 0, seq: 1 } }] } },
    ]);
    expect(facets).toEqual({ total: [{ n: 15 }], top: [{ seq: 29 }] });
    expect((await Post.distinct('tags')).sort()).toEqual(['bulk', 't0', 't1', 't2']);
  });

  it('raises E11000 the way mongoose does for unique indexes', async () => {
    const err = await Author.create({ name: 'Ada' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'MongoServerError', code: 11000, keyPattern: { name: 1 }, keyValue: { name: 'Ada' } });
    expect(String((err as Error).message)).toContain('E11000 duplicate key error');
  });

  it('syncs unique, compound and TTL indexes', async () => {
    const Session = conn.model('Session', sessionSchema);
    await Session.syncIndexes();
    const names = (await Post.listIndexes()).map((ix: { name: string }) => ix.name);
    expect(names).toEqual(expect.arrayContaining(['_id_', 'agent_1_seq_-1']));
    expect((await Author.listIndexes()).find((ix: { name: string }) => ix.name === 'name_1')).toMatchObject({ unique: true });
    const ttl = (await Session.listIndexes()).find((ix: { name: string }) => ix.name === 'createdAt_1');
    expect(ttl).toMatchObject({ expireAfterSeconds: 1 });
    await Session.create({ token: 'old', createdAt: new Date(Date.now() - 60_000) });
    await Session.create({ token: 'fresh', createdAt: new Date(Date.now() + 60_000) });
    await vi.waitFor(async () => expect(await Session.countDocuments({ token: 'old' })).toBe(0), { timeout: 10_000, interval: 50 });
    expect(await Session.countDocuments({ token: 'fresh' })).toBe(1);
  });

  it('serves a pool of concurrent sockets without losing atomic increments', async () => {
    const pooled = await mongoose.createConnection(store.uri, { dbName: 'blog', maxPoolSize: 20, minPoolSize: 10 }).asPromise();
    const Counter = pooled.model('Counter', new Schema({ _id: String, n: Number }));
    await Promise.all(Array.from({ length: 200 }, () => Counter.findOneAndUpdate({ _id: 'hits' }, { $inc: { n: 1 } }, { upsert: true })));
    expect((await Counter.findById('hits').lean())?.n).toBe(200);
    await pooled.close();
  });

  it('streams a cursor across getMore with a small batchSize', async () => {
    const seen: number[] = [];
    for await (const p of Post.find({ agent: 'odd' }).sort({ seq: 1 }).batchSize(2).lean().cursor()) seen.push(p.seq!);
    expect(seen).toEqual(Array.from({ length: 15 }, (_, i) => 2 * i + 1));
  });
});
