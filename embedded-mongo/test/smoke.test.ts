import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';

describe('mongoose smoke', () => {
  let store: EmbeddedMongo;
  let conn: mongoose.Connection;
  const User = new mongoose.Schema({ email: { type: String, unique: true }, name: String, visits: Number });

  beforeAll(async () => {
    store = await startEmbeddedMongo();
    conn = await mongoose.createConnection(store.uri, { dbName: 'smoke' }).asPromise();
  });
  afterAll(async () => {
    await conn.close();
    await store.close();
  });

  it('creates, finds, upserts and enforces unique indexes', async () => {
    const Users = conn.model('User', User);
    await Users.syncIndexes();
    await Users.create({ email: 'a@x.io', name: 'Ada' });
    expect((await Users.findOne({ email: 'a@x.io' }).lean())?.name).toBe('Ada');
    const up = await Users.findOneAndUpdate(
      { email: 'b@x.io' },
      { $set: { name: 'Bob' }, $inc: { visits: 1 }, $setOnInsert: { email: 'b@x.io' } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    expect(up).toMatchObject({ email: 'b@x.io', name: 'Bob', visits: 1 });
    await expect(Users.create({ email: 'a@x.io' })).rejects.toMatchObject({ code: 11000, keyValue: { email: 'a@x.io' } });
    expect(await Users.countDocuments()).toBe(2);
  });
});
