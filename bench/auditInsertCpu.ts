/**
 * CPU per audit entry inserted into the embedded store, in one process, driver included: the
 * server's own audit documents (built by `AuditWriter`, search words, hash and all) with the
 * server's own indexes (`audit.model.ts`), inserted as its group commit sends them — one ordered
 * `insertMany` per group (`insertOne` for a group of one), `_id`s set by the writer (hashChain.ts).
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
import { pathToFileURL } from 'node:url';
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

/** The server's audit indexes, as mongoose would create them. */
function auditIndexes(): Array<[Document, Document]> {
  const conn = mongoose.createConnection();
  return auditModel(conn).schema.indexes();
}

async function open(name: string, start: Start): Promise<Side> {
  const dir = mkdtempSync(join(process.env.PERF_TMP ?? tmpdir(), `audit-insert-${name}-`));
  const store = await start({ dir });
  // Polling monitoring, as the server connects to this store (server/src/data/connect.ts).
  const client = await MongoClient.connect(store.uri, { serverMonitoringMode: 'poll' });
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

/**
 * Process CPU µs per entry to insert `docs` in groups of `batch`, as ChainAppender sends them
 * (hashChain.ts): a group of one with insertOne, larger ones with an ordered insertMany.
 */
async function insertCpu(
  side: Side,
  docs: Document[],
  batch: number,
  waits?: number[],
): Promise<number> {
  const cpu0 = process.cpuUsage();
  for (let at = 0; at < docs.length; at += batch) {
    const t0 = performance.now();
    if (batch === 1) await side.coll.insertOne(docs[at]!);
    else await side.coll.insertMany(docs.slice(at, at + batch), { ordered: true });
    waits?.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / docs.length;
}

/** p50 and p99 of wall times in ms, rounded to 0.01 ms. */
function tail(ms: number[]): { p50: number; p99: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) =>
    +sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
  return { p50: at(0.5), p99: at(0.99) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface AuditInsertOptions {
  rounds: number;
  entries: number;
  batches: number[];
  argSizes: number[];
  /** Another checkout's `startEmbeddedMongo`: rounds alternate between the two. */
  base?: Start;
  current?: Start;
  log?: (line: string) => void;
}

export interface AuditInsertRow {
  args: number;
  batch: number;
  /** Median CPU µs per entry of this checkout's store (and of the base's, when given). */
  currentUs: number;
  baseUs?: number;
  /**
   * Wall ms per insert command, p50 and p99 (a merge of buffered keys runs right after a reply,
   * so the next command waits for it: its pauses show here).
   */
  currentMs: { p50: number; p99: number };
  baseMs?: { p50: number; p99: number };
  /** current − base, paired by round: median and its 95 % interval. */
  difference?: { median: number; low: number; high: number };
}

/** CPU per audit entry for each argument size and batch size (paired against `base` when given). */
export async function measureAuditInserts(opts: AuditInsertOptions): Promise<AuditInsertRow[]> {
  const sides: Side[] = [await open('current', opts.current ?? startEmbeddedMongo)];
  if (opts.base) sides.unshift(await open('base', opts.base));
  const rows: AuditInsertRow[] = [];
  let nextId = 1;
  try {
    for (const bytes of opts.argSizes) {
      const args = argsOf(bytes);
      for (const batch of opts.batches) {
        const samples = sides.map(() => [] as number[]);
        const waits = sides.map(() => [] as number[]);
        // Warm-up round, not counted (JIT, statement caches, the first pages).
        for (const side of sides) {
          await insertCpu(side, auditDocs(nextId, opts.entries, args), batch);
          nextId += opts.entries;
        }
        for (let r = 0; r < opts.rounds; r++) {
          const order = r % 2 ? [...sides.keys()].reverse() : [...sides.keys()];
          for (const s of order) {
            // Built outside the timed window: only the driver and the store are measured.
            const docs = auditDocs(nextId, opts.entries, args);
            nextId += opts.entries;
            samples[s]!.push(await insertCpu(sides[s]!, docs, batch, waits[s]));
          }
        }
        const row: AuditInsertRow = {
          args: bytes,
          batch,
          currentUs: Math.round(median(samples.at(-1)!)),
          currentMs: tail(waits.at(-1)!),
        };
        const label = `${bytes} B arguments, groups of ${batch}`.padEnd(30);
        const ms = (t: { p50: number; p99: number }) => `${t.p50} / ${t.p99} ms`;
        if (sides.length === 2) {
          const d = pairedDifference(samples[1]!, samples[0]!);
          row.baseUs = Math.round(median(samples[0]!));
          row.baseMs = tail(waits[0]!);
          row.difference = {
            median: Math.round(d.median),
            low: Math.round(d.low),
            high: Math.round(d.high),
          };
          const pct = (100 * d.median) / median(samples[0]!);
          opts.log?.(
            `${label} base ${row.baseUs} µs, current ${row.currentUs} µs; current − base median ${signed(row.difference.median)} µs [${signed(row.difference.low)}, ${signed(row.difference.high)}] (${pct.toFixed(0)} %); wall per command p50 / p99: base ${ms(row.baseMs)}, current ${ms(row.currentMs)}`,
          );
        } else
          opts.log?.(
            `${label} ${row.currentUs} µs CPU per entry (median of ${opts.rounds} rounds); wall per command p50 / p99 ${ms(row.currentMs)}`,
          );
        rows.push(row);
      }
    }
  } finally {
    for (const s of sides) await s.close();
  }
  return rows;
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const load = async (path: string) =>
  ((await import(path)) as { startEmbeddedMongo: Start }).startEmbeddedMongo;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const base = process.argv.includes('--base') ? option('--base', '') : undefined;
  // `--current <path>`: another checkout in place of this one (e.g. an experiment against --base).
  const current = process.argv.includes('--current') ? option('--current', '') : undefined;
  const rounds = Number(option('--rounds', base ? '40' : '10'));
  const entries = Number(option('--entries', '240'));
  const avg = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(`load average ${avg()}; ${rounds} rounds of ${entries} entries per kind and side`);
  await measureAuditInserts({
    rounds,
    entries,
    batches: option('--batches', '1,16').split(',').map(Number),
    argSizes: option('--args', '20,1024').split(',').map(Number),
    ...(base ? { base: await load(base) } : {}),
    ...(current ? { current: await load(current) } : {}),
    log: (line) => console.log(line),
  });
  console.log(`load average at the end ${avg()}`);
}
