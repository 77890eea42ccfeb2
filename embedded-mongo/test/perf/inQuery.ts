/**
 * The dashboard's "newest entries with status X or Y" against an audit-like collection: equality
 * vs one- and multi-value `$in`, through the driver. Median wall and CPU per query.
 *
 *   node --import tsx embedded-mongo/test/perf/inQuery.ts [N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Document } from 'mongodb';
import { startEmbeddedMongo } from '../../src/index.js';

const N = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100_000);
// Mostly ALLOWED, as in a real log: the statuses a dashboard filters on are the rare ones
// (TIMEOUT 0.5 %, BLOCKED 2 %, PENDING 3 %), spread pseudo-randomly over ids.
function statusOf(id: number): string {
  const r = (Math.imul(id, 2654435761) >>> 0) % 1000;
  return r < 5 ? 'TIMEOUT' : r < 25 ? 'BLOCKED' : r < 55 ? 'PENDING' : 'ALLOWED';
}

function auditDoc(id: number): Document {
  return {
    id,
    timestamp: new Date(1_700_000_000_000 + id * 1000),
    agent: `agent-${id % 97}`,
    action: ['read_file', 'send_email', 'transfer_funds', 'query_db'][id % 4],
    status: statusOf(id),
    details: `Policy matched for call ${id}: the agent asked to perform an action with arguments`,
    callId: `call-${id.toString(36)}`,
    hash: 'b'.repeat(64),
    outcome: null,
  };
}

async function median(label: string, runs: number, fn: () => Promise<unknown>): Promise<void> {
  await fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  let n = 0;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await fn();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
    n = Array.isArray(r) ? r.length : Number(r);
  }
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${label.padEnd(58)} ${mid(walls).toFixed(2).padStart(8)} ms wall ${mid(cpus).toFixed(2).padStart(8)} ms CPU  (${n} results)`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'em-in-'));
  const store = await startEmbeddedMongo({ dir });
  const client = await MongoClient.connect(store.uri, { serverMonitoringMode: 'poll' });
  const coll = client.db('bench').collection('audit_log');
  await coll.createIndex({ id: -1 }, { unique: true });
  await coll.createIndex({ agent: 1, id: -1 });
  await coll.createIndex({ status: 1, timestamp: -1 });
  await coll.createIndex({ status: 1, id: -1 });
  await coll.createIndex({ callId: 1 });
  for (let i = 0; i < N; i += 1000) await coll.insertMany(Array.from({ length: Math.min(1000, N - i) }, (_, k) => auditDoc(i + k)));

  const last50 = (filter: Document) => () => coll.find(filter).sort({ id: -1 }).limit(51).toArray();
  await median("{status: 'TIMEOUT'} sort id -1 limit 51", 21, last50({ status: 'TIMEOUT' }));
  await median("{status: {$in: ['TIMEOUT']}} sort id -1 limit 51", 21, last50({ status: { $in: ['TIMEOUT'] } }));
  await median("{status: {$in: ['BLOCKED','TIMEOUT']}} sort id -1 limit 51", 21, last50({ status: { $in: ['BLOCKED', 'TIMEOUT'] } }));
  await median('  same, next page (id < N/2)', 21, last50({ status: { $in: ['BLOCKED', 'TIMEOUT'] }, id: { $lt: N / 2 } }));
  await median("{agent: 'agent-3', status: {$in: [B, T]}} sort id -1 limit 51", 21, last50({ agent: 'agent-3', status: { $in: ['BLOCKED', 'TIMEOUT'] } }));
  await median("{status: {$in: [B, T]}, timestamp >= 90%} sort id -1", 11, last50({ status: { $in: ['BLOCKED', 'TIMEOUT'] }, timestamp: { $gte: new Date(1_700_000_000_000 + N * 900) } }));
  await median("countDocuments {status: {$in: ['BLOCKED','TIMEOUT']}}", 11, () => coll.countDocuments({ status: { $in: ['BLOCKED', 'TIMEOUT'] } }));
  await client.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
