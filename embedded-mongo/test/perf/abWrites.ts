/**
 * A/B of the hot writes between two checkouts of this package, in one process: blocks of
 * operations alternate between store A and store B, so both see the same machine load (a noisy
 * shared machine makes back-to-back runs incomparable). Reports median CPU µs per operation.
 *
 *   node --import tsx embedded-mongo/test/perf/abWrites.ts <pathA/src/index.ts> <pathB/src/index.ts> [rounds] [block] [B's options as JSON] [A's options]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Collection, type Document } from 'mongodb';

interface Side {
  name: string;
  coll: Collection;
  next: number;
  samples: Map<string, number[]>;
  close(): Promise<void>;
}

const [pathA, pathB] = process.argv.slice(2, 4);
const rounds = Number(process.argv[4] ?? 10);
const block = Number(process.argv[5] ?? 500);
const optionsB = JSON.parse(process.argv[6] ?? '{}') as Document;
const optionsA = JSON.parse(process.argv[7] ?? '{}') as Document;

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

async function open(name: string, path: string, options: Document = {}): Promise<Side> {
  const mod = (await import(path)) as { startEmbeddedMongo(o: Document): Promise<{ uri: string; close(): Promise<void> }> };
  const dir = mkdtempSync(join(tmpdir(), `em-ab-${name}-`));
  const store = await mod.startEmbeddedMongo({ ...options, dir });
  const client = await MongoClient.connect(store.uri, { serverMonitoringMode: 'poll' });
  const coll = client.db('bench').collection('audit_log');
  await coll.createIndex({ id: -1 }, { unique: true });
  await coll.createIndex({ agent: 1, id: -1 });
  await coll.createIndex({ status: 1, timestamp: -1 });
  await coll.createIndex({ status: 1, id: -1 });
  await coll.createIndex({ callId: 1 });
  await coll.createIndex({ entryKey: 1 }, { unique: true, sparse: true });
  return {
    name,
    coll,
    next: 0,
    samples: new Map(),
    async close() {
      await client.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function measure(side: Side, label: string, n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn(i);
  const cpu = process.cpuUsage(cpu0);
  const list = side.samples.get(label) ?? [];
  list.push((cpu.user + cpu.system) / n);
  side.samples.set(label, list);
}

async function round(side: Side): Promise<void> {
  const base = side.next;
  side.next += block + 100 * 20;
  // block 0 measures only the batched writes (whose costs are then not mixed with single writes' checkpoints).
  if (block > 0) {
    await measure(side, 'insertOne', block, (i) => side.coll.insertOne(auditDoc(base + i)));
    await measure(side, 'updateOne by id', block, (i) => side.coll.updateOne({ id: base + i, outcome: null }, { $set: { outcome: 'ok', durationMs: i } }));
  }
  // The server's hot path: decisions group-committed with insertMany, outcomes with bulkWrite.
  const batches = Array.from({ length: 20 }, (_, j) => Array.from({ length: 100 }, (_, k) => base + block + j * 100 + k));
  await measure(side, 'insertMany of 100 (per doc)', 1, async () => {
    for (const ids of batches) await side.coll.insertMany(ids.map(auditDoc));
  });
  await measure(side, 'bulk updateOne of 100 (per doc)', 1, async () => {
    for (const ids of batches) await side.coll.bulkWrite(ids.map((id) => ({ updateOne: { filter: { id, outcome: null }, update: { $set: { outcome: 'ok', durationMs: 1 } } } })), { ordered: false });
  });
  for (const label of ['insertMany of 100 (per doc)', 'bulk updateOne of 100 (per doc)']) {
    const list = side.samples.get(label)!;
    list[list.length - 1]! /= 2000;
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const a = await open('A', pathA!, optionsA);
const b = await open('B', pathB!, optionsB);
await round(a);
await round(b);
for (const s of [a, b]) s.samples.clear();
for (let r = 0; r < rounds; r++) {
  await round(r % 2 ? a : b);
  await round(r % 2 ? b : a);
}
for (const label of a.samples.keys()) {
  const ma = median(a.samples.get(label)!);
  const mb = median(b.samples.get(label)!);
  console.log(`${label.padEnd(30)} A ${ma.toFixed(1).padStart(7)} µs CPU  B ${mb.toFixed(1).padStart(7)} µs CPU  (${(((mb - ma) / ma) * 100).toFixed(0)}%)`);
}
await a.close();
await b.close();
