/**
 * CPU per audit entry inserted into the embedded store, in one process, driver included: the
 * server's own audit documents (built by `AuditWriter`, search words, hash and all) with the
 * server's own indexes (`audit.model.ts`), inserted as its group commit sends them — one ordered
 * `insertMany` per group, `_id`s set by the writer (hashChain.ts).
 *
 * With `--base <path to another checkout's embedded-mongo/src/index.ts>` two stores run side by
 * side and rounds alternate between them (the order flipped every round), so both see the same
 * machine; the report is the median of the paired differences with its 95 % interval.
 *
 *   npx tsx bench/auditInsertCpu.ts [--base ../other/embedded-mongo/src/index.ts] [--current …] [--rounds 40]
 *     [--entries 240] [--batches 1,16] [--args 20,1024]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, ObjectId, type Collection, type Document } from 'mongodb';
import mongoose, { type Model } from 'mongoose';
import { canonicalJson } from '@aegis/shared';
import { startEmbeddedMongo } from 'embedded-mongo';
import { auditModel, type AuditDoc } from '../server/src/data/models/audit.model';
import { AuditWriter, type AuditRecord } from '../server/src/data/repos/auditWriter';
import { createBinder, scanArgs } from '../server/src/services/args';
import { cleanTwin } from './scenarios/dlpDecide';
import { dlpArgs } from './scenarios/dlpScan';
import { pairedDifference, signed } from './stats';

type Start = (o: { dir: string }) => Promise<{ uri: string; close(): Promise<void> }>;

interface Side {
  name: string;
  coll: Collection<Document>;
  close(): Promise<void>;
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const basePath = process.argv.includes('--base') ? option('--base', '') : undefined;
const rounds = Number(option('--rounds', basePath ? '40' : '10'));
const entries = Number(option('--entries', '240'));
const batches = option('--batches', '1,16').split(',').map(Number);
const argSizes = option('--args', '20,1024').split(',').map(Number);

/** The server's audit indexes, as mongoose would create them. */
function auditIndexes(): Array<[Document, Document]> {
  const conn = mongoose.createConnection();
  return auditModel(conn).schema.indexes();
}

async function open(name: string, start: Start): Promise<Side> {
  const dir = mkdtempSync(join(process.env.PERF_TMP ?? tmpdir(), `audit-insert-${name}-`));
  const store = await start({ dir });
  const client = await MongoClient.connect(store.uri);
  const coll = client.db('aegis').collection('audit_log');
  for (const [key, opts] of auditIndexes()) await coll.createIndex(key, opts);
  return {
    name,
    coll,
    async close() {
      await client.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const bind = createBinder(Buffer.alloc(32, 7));

/** The record of a decision on `args`, as the decision service writes it (decisions.ts). */
function decisionRecord(n: number, args: Record<string, unknown>): AuditRecord {
  const argsJson = canonicalJson(args);
  const scanned = scanArgs(args, [], argsJson);
  const action = ['read_file', 'send_email', 'transfer_funds', 'query_db'][n % 4]!;
  const callId = `call-${n.toString(36)}-${ObjectId.generate().toString()}`;
  return {
    timestamp: new Date(),
    agent: `support-agent-${n % 20}`,
    action,
    status: n % 10 === 0 ? 'BLOCKED' : 'ALLOWED',
    source: 'server',
    details: n % 10 === 0 ? 'rule no-large-transfers: amount over limit' : 'allowed by default',
    callId,
    approvalId: null,
    argsPreview: scanned.preview,
    findings: scanned.findings,
    rule: { id: n % 10 === 0 ? 'no-large-transfers' : 'default', scope: 'agent', version: 3 },
    callArgs: scanned.maskedJson,
    runId: `run-${n % 50}`,
    tags: null,
    argsHash: bind({ name: 'a', version: 3 }, action, args, argsJson).argsHash,
    entryKey: `decide:${callId}`,
  };
}

/**
 * Stored documents for `count` decisions, built by the server's AuditWriter (private `build`:
 * the exact shape the group commit inserts), chained from `firstId`.
 */
function auditDocs(firstId: number, count: number, args: Record<string, unknown>): Document[] {
  const fake = { collection: undefined } as unknown as Model<AuditDoc>;
  const writer = new AuditWriter(
    fake,
    () => Promise.resolve(0),
    () => undefined,
    'bench-writer-0001',
  );
  const build = (
    writer as unknown as { build(r: AuditRecord, id: number, prev: string | null): AuditDoc }
  ).build.bind(writer);
  let prev: string | null = null;
  return Array.from({ length: count }, (_, i) => {
    const doc = build(decisionRecord(firstId + i, args), firstId + i, prev);
    prev = doc.hash;
    return { _id: new ObjectId(), ...doc };
  });
}

const argsOf = (bytes: number): Record<string, unknown> =>
  bytes >= 900 ? cleanTwin(dlpArgs(bytes)) : { to: 'acct-1', amount: 42 };

/** Process CPU µs per entry to insert `docs` in groups of `batch`. */
async function insertCpu(side: Side, docs: Document[], batch: number): Promise<number> {
  const cpu0 = process.cpuUsage();
  for (let at = 0; at < docs.length; at += batch)
    await side.coll.insertMany(docs.slice(at, at + batch), { ordered: true });
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / docs.length;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// `--current <path>`: another checkout in place of this one (e.g. an experiment against --base).
const currentPath = process.argv.includes('--current') ? option('--current', '') : undefined;
const load = async (path: string) =>
  ((await import(path)) as { startEmbeddedMongo: Start }).startEmbeddedMongo;
const sides: Side[] = [
  await open('current', currentPath ? await load(currentPath) : startEmbeddedMongo),
];
if (basePath) sides.unshift(await open('base', await load(basePath)));
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${rounds} rounds of ${entries} entries per kind and side`,
);
let nextId = 1;
try {
  for (const bytes of argSizes) {
    const args = argsOf(bytes);
    for (const batch of batches) {
      const samples = sides.map(() => [] as number[]);
      // Warm-up round, not counted (JIT, statement caches, the first pages).
      for (const side of sides) {
        await insertCpu(side, auditDocs(nextId, entries, args), batch);
        nextId += entries;
      }
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 ? [...sides.keys()].reverse() : [...sides.keys()];
        for (const s of order) {
          // Built outside the timed window: only the driver and the store are measured.
          const docs = auditDocs(nextId, entries, args);
          nextId += entries;
          samples[s]!.push(await insertCpu(sides[s]!, docs, batch));
        }
      }
      const label = `${bytes} B arguments, groups of ${batch}`.padEnd(30);
      const each = sides.map((s, i) => `${s.name} ${median(samples[i]!).toFixed(0)} µs`).join(', ');
      if (sides.length === 2) {
        const d = pairedDifference(samples[1]!, samples[0]!);
        const pct = (100 * d.median) / median(samples[0]!);
        console.log(
          `${label} ${each}; current − base median ${signed(Math.round(d.median))} µs [${signed(Math.round(d.low))}, ${signed(Math.round(d.high))}] (${pct.toFixed(0)} %)`,
        );
      } else console.log(`${label} ${each} CPU per entry (median of ${rounds} rounds)`);
    }
  }
  console.log(
    `load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  for (const s of sides) await s.close();
}
