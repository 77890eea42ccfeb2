import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';
import { runUnifiedSuite } from './conformance/runner.js';

// Vendored copy of MongoDB's spec tests (see the README beside them).
const SUITE = new URL('./conformance/crud-unified/', import.meta.url).pathname;
const PASS_BAR = 0.95;

let store: EmbeddedMongo;
let client: MongoClient;

beforeAll(async () => {
  store = await startEmbeddedMongo();
  client = await MongoClient.connect(store.uri);
});
afterAll(async () => {
  await client.close();
  await store.close();
});

it(`passes at least ${PASS_BAR * 100}% of the applicable unified CRUD spec tests`, async () => {
  const results = await runUnifiedSuite(client, SUITE, 'replicaset');
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const passed = count('passed');
  const failed = count('failed');
  console.log(`unified CRUD conformance: passed ${passed}, failed ${failed}, skipped ${count('skipped')}`);
  for (const r of results.filter((x) => x.status === 'failed')) console.log(`  FAIL ${r.file} :: ${r.test} — ${r.reason ?? ''}`);
  expect(passed / (passed + failed)).toBeGreaterThanOrEqual(PASS_BAR);
});
