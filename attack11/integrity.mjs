/* global process, fetch, setTimeout */
// Audit integrity on the real embedded store: entries edited, deleted and reordered through a
// MongoDB driver on the store's own socket while the server runs; the CLI (`aegis audit verify`)
// and the server's verify must both fail and name the first bad entry, and pass again once the
// log is put back. Then what an agent can send (a batch entry resent with other content, hash
// fields in its input) must neither change a stored entry nor make verify pass over a change.
import { execFile } from 'node:child_process';
import { MongoClient } from 'mongodb';
import { adminKey, client, DATA, keyOf, result, tag, URL_ } from './common.mjs';

const admin = client().api;
const agent = `integrity${tag()}`;
await admin.sdk.registerAgent.mutate({ name: agent, allows: ['read'] });
const key = (await keyOf('agent', [agent])).key;
const ag = client(key).api;
for (let i = 0; i < 6; i++) await ag.sdk.decide.mutate({ agent, action: 'read', args: { i } });
const ids = (await admin.audit.list.query({ agent, limit: 10 })).entries.map((e) => e.id).sort((a, b) => a - b);

const sock = encodeURIComponent(`${DATA}/store/mongod.sock`);
const mongo = new MongoClient(`mongodb://${sock}/?directConnection=true`);
await mongo.connect();
const log = mongo.db('aegis').collection('audit_log');

const cli = () =>
  new Promise((resolve) => {
    execFile(process.execPath, ['sdk/bin/aegis.mjs', 'audit', 'verify'], { env: { ...process.env, AEGIS_URL: URL_, AEGIS_API_KEY: adminKey, NO_COLOR: '1' } }, (err, out, errOut) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, output: out + errOut }),
    );
  });
async function both() {
  return { server: await admin.audit.verify.query(), cli: await cli() };
}
async function tamper(what, expectId, change, restore) {
  await change();
  const v = await both();
  await restore();
  const named = v.server.ok === false && v.server.firstBad?.id === expectId;
  const cliNamed = v.cli.code !== 0 && v.cli.output.includes(String(expectId));
  result(`${what}: verify names entry ${expectId} (server and CLI)`, named && cliNamed, `server ${JSON.stringify(v.server.firstBad)}; CLI exit ${v.cli.code}: ${v.cli.output.trim().split('\n').slice(0, 2).join(' / ')}`);
  const again = await admin.audit.verify.query();
  result(`${what}: passes again once put back`, again.ok, JSON.stringify(again.firstBad));
}

const [a, b, c] = [ids[1], ids[2], ids[3]];
const orig = Object.fromEntries(await Promise.all([a, b, c].map(async (id) => [id, await log.findOne({ id })])));
await tamper('an edited verdict', b, () => log.updateOne({ id: b }, { $set: { status: 'BLOCKED' } }), () => log.replaceOne({ id: b }, orig[b]));
await tamper('edited arguments', b, () => log.updateOne({ id: b }, { $set: { argsPreview: '{"i":99}' } }), () => log.replaceOne({ id: b }, orig[b]));
await tamper('a deleted entry', c, () => log.deleteOne({ id: b }), () => log.insertOne(orig[b]));
await tamper(
  'two entries swapped (ids exchanged)',
  a,
  async () => {
    await log.updateOne({ id: a }, { $set: { id: -1 } });
    await log.updateOne({ id: b }, { $set: { id: a } });
    await log.updateOne({ id: -1 }, { $set: { id: b } });
  },
  async () => {
    await log.deleteMany({ id: { $in: [a, b] } });
    await log.insertMany([orig[a], orig[b]]);
  },
);
await tamper(
  'an edited entry given another hash (its successor then links to nothing)',
  b,
  () => log.updateOne({ id: b }, { $set: { status: 'BLOCKED', hash: 'f'.repeat(64) } }),
  () => log.replaceOne({ id: b }, orig[b]),
);

// What an agent can send.
const before = await log.find({ agent }).sort({ id: 1 }).toArray();
const entry = { entryKey: `ek${tag()}`, agent, action: 'read', status: 'ALLOWED', details: 'first', callId: `c${tag()}`, args: { v: 1 }, decidedAt: new Date().toISOString(), policyVersion: 1, rule: { id: 'seed-allowed', scope: 'agent', version: 1 } };
await ag.sdk.recordBatch.mutate({ entries: [entry] });
const first = await log.findOne({ agent, details: 'first' });
await ag.sdk.recordBatch.mutate({ entries: [{ ...entry, details: 'second', status: 'BLOCKED', args: { v: 2 } }] }).catch(() => {});
const after1 = await log.findOne({ id: first?.id });
result('a batch entry resent with the same key and other content does not change it', after1?.details === 'first' && after1?.status === 'ALLOWED', `${after1?.details} ${after1?.status}`);
const res = await fetch(`${URL_}/trpc/sdk.log`, {
  method: 'POST',
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: JSON.stringify({ agent, action: 'read', status: 'ALLOWED', details: 'x', id: ids[0], hash: 'f'.repeat(64), prevHash: '0'.repeat(64), timestamp: '2000-01-01T00:00:00Z' }),
});
const stored = await log.find({ agent }).sort({ id: -1 }).limit(1).toArray();
result('hash, id and timestamp fields in an agent\'s input are not stored as sent', res.status >= 400 || (stored[0].id !== ids[0] && stored[0].hash !== 'f'.repeat(64) && new Date(stored[0].timestamp).getFullYear() > 2000), `${res.status} id ${stored[0].id}`);
const untouched = await Promise.all(before.map((e) => log.findOne({ id: e.id })));
result("the agent's earlier entries are unchanged", JSON.stringify(untouched) === JSON.stringify(before));
const final = await admin.audit.verify.query();
result('verify passes over the untampered log afterwards', final.ok, JSON.stringify(final.firstBad));
await mongo.close();
await new Promise((r) => setTimeout(r, 10));
process.exit();
