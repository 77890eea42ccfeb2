/**
 * The embedded store's search indexes, through the official driver on an on-disk store:
 *  - insert rate of audit-like documents into a collection with a text index (FTS5);
 *  - `$text` "best 50 by textScore" over those documents (1,000,000 in the full run), p50;
 *  - 2dsphere `$near` (2 km, nearest 50) over 100,000 points (R-tree), p50.
 * Run by bench/store.ts; `--quick` shrinks the data to 20,000 documents and 10,000 points.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Collection, type Document } from 'mongodb';
import { startEmbeddedMongo } from 'embedded-mongo';

const BATCH = 1_000;
const TOOLS = [
  'search_web',
  'transfer_funds',
  'send_email',
  'read_file',
  'query_database',
  'delete_records',
];
const WORDS = [
  'limit',
  'approved',
  'customer',
  'invoice',
  'refund',
  'payroll',
  'export',
  'overdue',
  'suspicious',
  'quarterly',
  'vendor',
  'ledger',
];

/** An audit-like entry whose reason reads like the server's: a few common words and one rare one. */
function auditDoc(id: number): Document {
  const rare = `ticket${id % 997}`;
  return {
    id,
    agent_name: `agent-${id % 100}`,
    tool: TOOLS[id % TOOLS.length],
    verdict: id % 10 === 0 ? 'BLOCKED' : 'ALLOWED',
    reason: `${WORDS[id % WORDS.length]} ${WORDS[(id * 7) % WORDS.length]} check for ${rare} by policy`,
    args: { amount: (id * 37) % 10_000, to: `acct-${id % 977}` },
    createdAt: new Date(1_700_000_000_000 + id * 1000),
  };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]!;
}

async function timed(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

async function insertAll(
  coll: Collection,
  total: number,
  make: (i: number) => Document,
): Promise<number> {
  const t = performance.now();
  for (let start = 0; start < total; start += BATCH) {
    await coll.insertMany(
      Array.from({ length: Math.min(BATCH, total - start) }, (_, i) => make(start + i)),
      { ordered: true },
    );
  }
  return total / ((performance.now() - t) / 1000);
}

export async function runStoreSearchBench(opts: {
  quick: boolean;
}): Promise<Record<string, unknown>> {
  const documents = opts.quick ? 20_000 : 1_000_000;
  const points = opts.quick ? 10_000 : 100_000;
  const samples = opts.quick ? 10 : 30;
  const dir = mkdtempSync(join(tmpdir(), 'store-search-bench-'));
  const store = await startEmbeddedMongo({ dir });
  const client = await MongoClient.connect(store.uri);
  try {
    const audit = client.db('bench').collection('audit_text');
    await audit.createIndex({ reason: 'text', tool: 'text' });
    const textInsertPerSecond = await insertAll(audit, documents, auditDoc);

    // About 1 document in 1,000 holds a given ticket; the page is the best 50 of them.
    const search = (i: number) =>
      audit
        .find(
          { $text: { $search: `ticket${(i * 31) % 997}` } },
          { projection: { score: { $meta: 'textScore' } } },
        )
        .sort({ score: { $meta: 'textScore' } })
        .limit(50)
        .toArray();
    const check = await search(1);
    const holders = Math.ceil((documents - 31) / 997);
    if (
      check.length !== Math.min(50, holders) ||
      !check.every((d) => String(d.reason).includes('ticket31'))
    )
      throw new Error('$text returned the wrong documents');
    const text = await timed(samples, search);

    const places = client.db('bench').collection('places');
    await places.createIndex({ loc: '2dsphere' });
    // Points spread over a 100 km square around Paris.
    const rand = (i: number) => (((Math.sin(i * 12.9898) * 43758.5453) % 1) + 1) % 1;
    await insertAll(places, points, (i) => ({
      i,
      loc: { type: 'Point', coordinates: [1.8 + rand(i) * 1.2, 48.4 + rand(i + 1e6) * 0.9] },
    }));
    const near = (i: number) =>
      places
        .find({
          loc: {
            $near: {
              $geometry: {
                type: 'Point',
                coordinates: [2 + (i % 10) * 0.08, 48.6 + (i % 7) * 0.08],
              },
              $maxDistance: 2_000,
            },
          },
        })
        .limit(50)
        .toArray();
    if ((await near(3)).length === 0) throw new Error('$near found nothing');
    const geo = await timed(samples, near);

    return {
      textDocuments: documents,
      textInsertDocsPerSecond: Math.round(textInsertPerSecond),
      textSearchBest50P50Ms: +percentile(text, 50).toFixed(2),
      textSearchBest50P95Ms: +percentile(text, 95).toFixed(2),
      geoPoints: points,
      geoNear2kmNearest50P50Ms: +percentile(geo, 50).toFixed(2),
      geoNear2kmNearest50P95Ms: +percentile(geo, 95).toFixed(2),
    };
  } finally {
    await client.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
