/* global console, process, setTimeout */
// Detector names are the SDK's to report. The Overview timeline keeps one counter per detector
// in a document shared by every agent (kind tl): an agent key inventing 256 new names per call
// grows that document for everyone (BSON's limit is 16 MiB per document).
import { MongoClient, BSON } from 'mongodb';
import { agentWithPolicy, client, result, tag } from './common.mjs';

const CALLS = Number(process.env.CALLS ?? 100);
const agent = `df-${tag()}`;
const key = await agentWithPolicy(agent, `kind: AgentPolicy\nagent: ${agent}\ndefault: ALLOW\nrules: []\n`);
const me = client(key).api;
const measure = async () => {
  const c = await MongoClient.connect('mongodb://' + encodeURIComponent(`${process.env.AEGIS_DATA_DIR ?? '/tmp/attack16/d'}/store/mongod.sock`) + '/?directConnection=true');
  const [doc] = await c.db('aegis').collection('audit_rollups').find({ k: 'tl', a: '', g: 'd' }).sort({ t: -1 }).limit(1).toArray();
  await c.close();
  return { size: doc ? BSON.calculateObjectSize(doc) : 0, fields: doc ? Object.keys(doc.xf ?? {}).length : 0 };
};
const before = await measure();
const rnd = () => Math.random().toString(36).slice(2, 12).replace(/[0-9]/g, 'q');
for (let i = 0; i < CALLS; i++) {
  const d = await me.sdk.decide.mutate({ agent, action: 'flood', args: {} });
  const findings = Array.from({ length: 256 }, () => ({ detector: `z${rnd()}${rnd()}${rnd()}`.slice(0, 40), path: '/x', count: 1, confidence: 0.9 }));
  await me.sdk.complete.mutate({ callId: d.callId, outcome: 'ok', durationMs: 1, resultFindings: findings });
}
await new Promise((r) => setTimeout(r, 1500));
const after = await measure();
const size = after.size - before.size;
const fields = after.fields - before.fields;
console.log(`NOTE ${CALLS} calls with 256 invented detector names each: today's shared timeline document grew ${size} bytes, ${fields} result-detector counters (now ${after.size} bytes)`);
const perCall = size / CALLS;
result(`an agent key can't grow the timeline document every agent updates (${Math.round(perCall)} bytes per call)`, fields <= 64);
