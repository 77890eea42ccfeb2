// A plain Node ESM project using the packed SDK and store as installed from their tarballs (no
// TypeScript, no LangChain installed): a guarded call against the server in AEGIS_URL, and a
// round trip through the embedded store with the official driver.
import process from 'node:process';
import { AegisBlockedError, createAegis } from '@aegis/sdk';
import { startEmbeddedMongo } from 'embedded-mongo';
import { MongoClient } from 'mongodb';

const aegis = createAegis({ url: process.env.AEGIS_URL, apiKey: process.env.AEGIS_API_KEY });
const agent = aegis.agent(process.env.AGENT, { allows: ['lookup'], blocks: ['drop'] });
const lookup = agent.guard(async (q) => `balance of ${q.id}`, { action: 'lookup' });
const drop = agent.guard(async () => 'dropped', { action: 'drop' });

const result = { allowed: await lookup({ id: 7 }) };
result.blocked = await drop().catch((e) => (e instanceof AegisBlockedError ? e.code : String(e)));
await aegis.close();

const store = await startEmbeddedMongo(); // in memory, on a free loopback port
const client = await MongoClient.connect(store.uri);
await client.db('consumer').collection('things').insertOne({ n: 1 });
result.stored = await client.db('consumer').collection('things').countDocuments({ n: 1 });
await client.close();
await store.close();

process.stdout.write(`${JSON.stringify(result)}\n`);
