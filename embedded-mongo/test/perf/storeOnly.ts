/**
 * The store's own cost per write, without driver or sockets: `runCommand` in process on an
 * on-disk store with the server's audit indexes — insert of one audit-like document, insertMany
 * of 100, and the outcome update by `id`. With `--rs` the commands carry what a driver sends to a
 * replica set (lsid + txnNumber: retryable writes) and replies get cluster times; either way,
 * every change writes its oplog entry (the part change streams add to the write path).
 *
 *   node --import tsx embedded-mongo/test/perf/storeOnly.ts [N] [--rs]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Binary, Long, type Document } from 'bson';
import { runCommand } from '../../src/commands/dispatch.js';
import { CursorRegistry } from '../../src/cursors.js';
import { Store } from '../../src/storage/store.js';

const N = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20_000);
const rs = process.argv.includes('--rs');

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

const dir = mkdtempSync(join(tmpdir(), 'em-store-only-'));
const store = new Store(join(dir, 'embedded-mongo.sqlite'));
const ctx = { store, cursors: new CursorRegistry(), connectionId: 1, ...(rs ? { replicaSet: { name: 'rs0' } } : {}) };
const lsid = { id: new Binary(Buffer.from(randomUUID().replaceAll('-', ''), 'hex'), Binary.SUBTYPE_UUID) };
let txn = 0;
const run = (cmd: Document): Document => {
  const reply = runCommand({ ...cmd, $db: 'bench', ...(rs ? { lsid, txnNumber: Long.fromNumber(++txn) } : {}) }, ctx);
  if (reply.ok !== 1 || reply.writeErrors) throw new Error(JSON.stringify(reply));
  return reply;
};

function timed(label: string, n: number, fn: (i: number) => void): void {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(`${label.padEnd(34)} ${((wall / n) * 1000).toFixed(1).padStart(7)} µs wall/op ${(((cpu.user + cpu.system) / 1000 / n) * 1000).toFixed(1).padStart(7)} µs CPU/op`);
}

run({
  createIndexes: 'audit_log',
  indexes: [
    { key: { id: -1 }, name: 'id_-1', unique: true },
    { key: { agent: 1, id: -1 }, name: 'agent_1_id_-1' },
    { key: { status: 1, timestamp: -1 }, name: 'status_1_timestamp_-1' },
    { key: { status: 1, id: -1 }, name: 'status_1_id_-1' },
    { key: { callId: 1 }, name: 'callId_1' },
    { key: { entryKey: 1 }, name: 'entryKey_1', unique: true, sparse: true },
  ],
});
// Warm-up, so JIT compilation does not land in the first measured loop.
for (let i = 0; i < 2000; i++) run({ insert: 'audit_log', documents: [auditDoc(-1 - i)] });
for (let i = 0; i < 2000; i++) run({ update: 'audit_log', updates: [{ q: { id: -1 - i, outcome: null }, u: { $set: { outcome: 'ok', durationMs: i } } }] });

console.log(`store only, ${rs ? 'replica set (retryable writes)' : 'plain commands'}, N = ${N}`);
timed(`insert x ${N}`, N, (i) => run({ insert: 'audit_log', documents: [auditDoc(i)] }));
timed(`update by id x ${N}`, N, (i) => run({ update: 'audit_log', updates: [{ q: { id: i, outcome: null }, u: { $set: { outcome: 'ok', durationMs: i } } }] }));
const B = 100;
timed(`insert of ${B} x ${N / B} (per batch)`, N / B, (j) => run({ insert: 'audit_log', documents: Array.from({ length: B }, (_, k) => auditDoc(N + j * B + k)) }));
store.close();
rmSync(dir, { recursive: true, force: true });
