/**
 * What the embedded store's in-process client saves per write: the same audit-shaped insert sent
 * through the official driver (over the store's socket, in this process) and through
 * `store.inProcess()`, into one on-disk store with the audit log's kind of indexes; rounds
 * alternate, order flipped every round; process CPU per insert, and new − old paired.
 * `npx tsx bench/inProcessWrites.ts [rounds] [inserts per round]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient, ObjectId, type Document } from 'mongodb';
import { startEmbeddedMongo } from 'embedded-mongo';
import { describePaired, pairedDifference } from './stats';

const rounds = Number(process.argv[2] ?? 20);
const perRound = Number(process.argv[3] ?? 1000);
const dir = mkdtempSync(path.join(tmpdir(), 'aegis-inprocess-'));
const store = await startEmbeddedMongo({ dir: path.join(dir, 'store') });
const client = await MongoClient.connect(`${store.uri}&serverMonitoringMode=poll`);
const local = store.inProcess();
const coll = client.db('bench').collection('audit');
await coll.createIndex({ id: 1 }, { unique: true });
await coll.createIndex({ terms: 1, id: 1 });
await coll.createIndex({ agent: 1, timestamp: -1 });
await coll.createIndex({ status: 1, id: -1 });

let id = 0;
const entry = (): Document => {
  id += 1;
  return {
    _id: new ObjectId(),
    id,
    timestamp: new Date(),
    agent: 'payments-bot',
    action: 'transfer_funds',
    status: 'ALLOWED',
    args: { amount: 120.5, to: `acct-${id}`, memo: 'rent for december, flat 4b' },
    terms: ['payments', 'bot', 'transfer', 'funds', 'allowed', 'rent', 'december', `acct-${id}`],
    hash: 'ab'.repeat(32),
    prevHash: 'cd'.repeat(32),
  };
};

const ways = {
  driver: async () => {
    await coll.insertOne(entry());
  },
  inProcess: async () => {
    const reply = await local.command('bench', { insert: 'audit', documents: [entry()] });
    if (reply.ok !== 1 || reply.writeErrors) throw new Error(JSON.stringify(reply));
  },
};
type Way = keyof typeof ways;

async function cpuPerInsert(way: Way): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < perRound; i++) await ways[way]();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / perRound;
}

const cpu: Record<Way, number[]> = { driver: [], inProcess: [] };
try {
  for (const way of ['driver', 'inProcess'] as Way[]) await cpuPerInsert(way); // warm-up
  for (let r = 0; r < rounds; r++) {
    const order: Way[] = r % 2 === 0 ? ['driver', 'inProcess'] : ['inProcess', 'driver'];
    for (const way of order) cpu[way].push(await cpuPerInsert(way));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  console.log(
    `CPU per insert (µs, median of ${rounds} rounds × ${perRound}): driver ${median(cpu.driver).toFixed(0)}, in process ${median(cpu.inProcess).toFixed(0)}`,
  );
  console.log(
    `in process − driver: ${describePaired(pairedDifference(cpu.inProcess, cpu.driver))}`,
  );
} finally {
  await client.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
