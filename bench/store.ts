/**
 * Benchmark of the embedded MongoDB-compatible store through the official driver:
 *  - batched insert rate of audit-like documents over 100 agents (batches of 1,000);
 *  - "last 50 entries of one agent, newest first" with the {agent_name: 1, id: -1} index and
 *    without it (collection scan + sort);
 *  - text and 2dsphere indexes: insert rate with a text index, `$text` and `$near` p50
 *    (bench/scenarios/storeSearch.ts);
 *  - CPU per audit entry with the server's own documents and indexes, one per insert and in
 *    group-commit batches of 16 (bench/auditInsertCpu.ts).
 *
 *   npx tsx bench/store.ts [--quick]     (quick: 20,000 documents instead of 1,000,000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo } from 'embedded-mongo';
import { measureAuditInserts } from './auditInsertCpu';
import { runStoreSearchBench } from './scenarios/storeSearch';

const AGENTS = 100;
const BATCH = 1_000;

function auditDoc(id: number): Record<string, unknown> {
  return {
    id,
    agent_name: `agent-${id % AGENTS}`,
    tool: ['search', 'transfer_funds', 'send_email', 'read_file'][id % 4],
    args: { amount: (id * 37) % 10_000, to: `acct-${id % 977}` },
    verdict: id % 10 === 0 ? 'BLOCKED' : 'ALLOWED',
    reason: id % 10 === 0 ? 'amount over limit' : null,
    latency_ms: id % 50,
    createdAt: new Date(1_700_000_000_000 + id * 1000),
  };
}

/** Wall time and this process's CPU time: on a shared, loaded machine the CPU figure is steadier. */
async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, cpuMs: (used.user + used.system) / 1000, value };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function runStoreBench(opts: { quick: boolean }): Promise<Record<string, unknown>> {
  const total = opts.quick ? 20_000 : 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'store-bench-'));
  const store = await startEmbeddedMongo({ dir });
  const client = await MongoClient.connect(store.uri);
  try {
    const coll = client.db('bench').collection('audit');
    await coll.createIndex({ agent_name: 1, id: -1 });

    const insert = await time(async () => {
      for (let start = 0; start < total; start += BATCH) {
        await coll.insertMany(Array.from({ length: Math.min(BATCH, total - start) }, (_, i) => auditDoc(start + i)), { ordered: true });
      }
    });

    const last50 = () => coll.find({ agent_name: 'agent-42' }).sort({ id: -1 }).limit(50).toArray();
    const check = await last50();
    if (check.length !== 50 || check[0]?.id !== total - 58) throw new Error('last-50 query returned the wrong documents');
    await last50(); // warm the statement cache
    const indexed: number[] = [];
    const indexedCpu: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = await time(last50);
      indexed.push(t.ms);
      indexedCpu.push(t.cpuMs);
    }

    await coll.dropIndex('agent_name_1_id_-1');
    const scans: number[] = [];
    for (let i = 0; i < (opts.quick ? 5 : 3); i++) scans.push((await time(last50)).ms);

    return {
      documents: total,
      agents: AGENTS,
      batchSize: BATCH,
      insertSeconds: +(insert.ms / 1000).toFixed(2),
      insertDocsPerSecond: Math.round(total / (insert.ms / 1000)),
      insertDocsPerCpuSecond: Math.round(total / (insert.cpuMs / 1000)),
      insertGoalDocsPerSecond: 20_000,
      last50IndexedMedianMs: +median(indexed).toFixed(2),
      last50IndexedMedianCpuMs: +median(indexedCpu).toFixed(2),
      last50IndexedGoalMs: 5,
      last50WithoutIndexMedianMs: +median(scans).toFixed(1),
      // Text (FTS5) and 2dsphere (R-tree) indexes: bench/scenarios/storeSearch.ts.
      search: await runStoreSearchBench(opts),
      // The server's audit entries and indexes through the driver, median CPU µs per entry.
      auditInsertCpuPerEntry: await measureAuditInserts({
        rounds: opts.quick ? 3 : 12,
        entries: opts.quick ? 64 : 320,
        batches: [1, 16],
        argSizes: [20, 1024],
      }),
    };
  } finally {
    await client.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await runStoreBench({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify(result, null, 2));
}
