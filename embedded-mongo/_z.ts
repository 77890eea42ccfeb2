import { readFileSync, mkdtempSync } from 'node:fs';
import { EJSON, ObjectId } from 'bson';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo } from './src/index.ts';
const { docs, idx } = EJSON.parse(readFileSync('/tmp/scratch/auditdocs.json', 'utf8')) as { docs: Record<string, unknown>[]; idx: Record<string, unknown>[] };
const which = Number(process.argv[2] ?? 0);
const variant = process.argv[3] ?? 'all';
const store = await startEmbeddedMongo({ dir: mkdtempSync('/tmp/zstore-') });
const client = await MongoClient.connect(store.uri);
const coll = client.db('aegis').collection('audit_log');
await coll.insertOne({ _id: new ObjectId(), id: 0 });
for (const ix of idx) {
  if (ix.name === '_id_') continue;
  if (variant === 'noterms' && 'terms' in (ix.key as object)) continue;
  if (variant === 'none') continue;
  const { key, v, ...rest } = ix; await coll.createIndex(key as never, rest as never);
}
const base = docs[which]!;
let id = 1;
const one = () => ({ ...base, _id: new ObjectId(), id: id++, callId: `c${id}`, entryKey: `decide:c${id}`, timestamp: new Date() });
for (let i = 0; i < 2000; i++) await coll.insertMany([one()]);
const res: number[] = [];
for (let r = 0; r < 4; r++) {
  const c0 = process.cpuUsage(); const N = 4000;
  for (let i = 0; i < N; i++) await coll.insertMany([one()]);
  const c = process.cpuUsage(c0); res.push(Math.round((c.user + c.system) / N));
}
console.log(which, variant, process.env.AEGIS_X_PRAGMAS ?? '', 'cpu us/insert', res.join(' '));
await client.close(); await store.close();
