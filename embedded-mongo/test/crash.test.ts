import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { afterAll, expect, it } from 'vitest';
import { startEmbeddedMongo } from '../src/index.js';
import { killUnderLoad } from './helpers/killUnderLoad.js';
import { startStandalone } from './helpers/standalone.js';

const dir = mkdtempSync(join(tmpdir(), 'embedded-mongo-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps every acknowledged write when the store process is SIGKILLed mid-stream', async () => {
  const store = await startStandalone(['--port', '0', '--dir', dir]);
  const client = await MongoClient.connect(store.uri, { retryWrites: false, maxPoolSize: 4 });
  const coll = client.db('crash').collection<{ _id: number; payload: string }>('docs');
  await coll.createIndex({ payload: 1 });
  const acked = await killUnderLoad(store, (ids) => coll.insertMany(ids.map((_id) => ({ _id, payload: `doc-${_id}-${'x'.repeat(200)}` }))), 2000);
  await client.close(true);

  const db = new Database(join(dir, 'embedded-mongo.sqlite'));
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  db.close();

  const reopened = await startEmbeddedMongo({ dir });
  const check = await MongoClient.connect(reopened.uri);
  const docs = await check.db('crash').collection<{ _id: number; payload: string }>('docs').find().toArray();
  const present = new Set(docs.map((d) => d._id));
  expect(acked.filter((id) => !present.has(id))).toEqual([]);
  for (const d of docs) expect(d.payload).toBe(`doc-${d._id}-${'x'.repeat(200)}`);
  // The index agrees with the table: an indexed lookup finds a document written before the kill.
  expect(await check.db('crash').collection('docs').countDocuments({ payload: docs[0]!.payload })).toBe(1);
  await check.close();
  await reopened.close();
});
