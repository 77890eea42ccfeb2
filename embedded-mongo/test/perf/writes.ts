/**
 * Per-operation cost of the server's hot writes, through the official driver over the wire:
 * insertOne of an audit-like document vs updateOne by its unique `id` (the outcome update), and
 * the same as bulk writes of 100. Wall and this process's CPU time (driver + store, one thread).
 *
 *   node --import tsx embedded-mongo/test/perf/writes.ts [N] [--only=<label prefix>]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Collection, type Document } from 'mongodb';
import { startEmbeddedMongo } from '../../src/index.js';

const N = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20_000);
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);

function auditDoc(id: number): Document {
  return {
    id,
    timestamp: new Date(1_700_000_000_000 + id),
    agent: `agent-${id % 100}`,
    action: ['read_file', 'send_email', 'transfer_funds', 'query_db'][id % 4],
    status: ['ALLOWED', 'BLOCKED', 'PENDING', 'TIMEOUT'][id % 4],
    details: `Policy matched for call ${id}: the agent asked to perform an action with arguments`,
    callId: `call-${id.toString(36)}-${'x'.repeat(20)}`,
    approvalId: null,
    argsPreview: `{"to":"someone@example.com","amount":${id % 1000}}`,
    prevHash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
    outcome: null,
    durationMs: null,
  };
}

/** Runs `fn` n times; when `--only` excludes the label, runs `instead` (untimed) so later steps find their data. */
async function timed(label: string, n: number, fn: (i: number) => Promise<unknown>, instead?: () => Promise<unknown>): Promise<void> {
  if (only && !label.startsWith(only)) {
    await instead?.();
    return;
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`${label.padEnd(34)} ${(wall / n * 1000).toFixed(1).padStart(7)} µs wall/op ${(cpuMs / n * 1000).toFixed(1).padStart(7)} µs CPU/op`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'em-writes-'));
  const store = await startEmbeddedMongo({ dir });
  const client = await MongoClient.connect(store.uri, { serverMonitoringMode: 'poll' });
  const coll: Collection = client.db('bench').collection('audit_log');
  await coll.createIndex({ id: -1 }, { unique: true });
  await coll.createIndex({ agent: 1, id: -1 });
  await coll.createIndex({ status: 1, timestamp: -1 });
  await coll.createIndex({ status: 1, id: -1 });
  await coll.createIndex({ callId: 1 });
  await coll.createIndex({ entryKey: 1 }, { unique: true, sparse: true });
  // Warm-up so JIT compilation does not land in the first measured loop.
  await coll.insertMany(Array.from({ length: 2000 }, (_, i) => auditDoc(-1 - i)));
  for (let i = 0; i < 2000; i++) await coll.updateOne({ id: -1 - i, outcome: null }, { $set: { outcome: 'ok', durationMs: i } });

  const seed = (from: number, n: number) => coll.insertMany(Array.from({ length: n }, (_, i) => auditDoc(from + i)));
  await timed(`insertOne x ${N}`, N, (i) => coll.insertOne(auditDoc(i)), () => seed(0, N));
  await timed(`updateOne by id x ${N}`, N, (i) => coll.updateOne({ id: i, outcome: null }, { $set: { outcome: 'ok', durationMs: i } }));
  const B = 100;
  await timed(`insertMany of ${B} x ${N / B} (per batch)`, N / B, (j) => seed(N + j * B, B), () => seed(N, N));
  await timed(`bulk updateOne of ${B} x ${N / B} (per batch)`, N / B, (j) =>
    coll.bulkWrite(Array.from({ length: B }, (_, k) => ({ updateOne: { filter: { id: N + j * B + k, outcome: null }, update: { $set: { outcome: 'ok', durationMs: k } } } })), { ordered: false }),
  );
  await timed(`findOne by id x ${N / 4}`, N / 4, (i) => coll.findOne({ id: i }));
  await client.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
