/* global process, console */
// The flight recorder's tail: with the store's socket (an insider, a compromised host), cut the
// newest audit entries and outcome records, then let the server go on appending. Does
// `aegis audit verify` notice — on its own (it can't: nothing follows a cut tail), and with the
// head an operator noted earlier (`--head`, `--outcome-head`)?
import { execFile } from 'node:child_process';
import { MongoClient } from 'mongodb';
import { adminKey, client, DATA, keyOf, result, tag, URL_ } from './common.mjs';

const admin = client().api;
const agent = `tail${tag()}`;
await admin.sdk.registerAgent.mutate({ name: agent, allows: ['read'] });
const key = (await keyOf('agent', [agent])).key;
const ag = client(key).api;
for (let i = 0; i < 4; i++) {
  const d = await ag.sdk.decide.mutate({ agent, action: 'read', args: { i } });
  await ag.sdk.complete.mutate({ callId: d.callId, outcome: 'ok', durationMs: i });
}
const before = await admin.audit.verify.query();
result('the chain verifies before any tampering', before.ok, JSON.stringify(before.firstBad));
const noted = before.heads;

const cli = (...args) =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ['sdk/bin/aegis.mjs', 'audit', 'verify', ...args],
      { env: { ...process.env, AEGIS_URL: URL_, AEGIS_API_KEY: adminKey, NO_COLOR: '1' } },
      (err, out, errOut) => resolve({ code: err ? Number(err.code ?? 1) : 0, output: out + errOut }),
    );
  });

// An intact log holding the noted heads passes with them (new entries since are fine).
await ag.sdk.decide.mutate({ agent, action: 'read', args: { more: 1 } });
const good = await cli('--head', noted.entry.hash, ...(noted.outcome ? ['--outcome-head', noted.outcome.hash] : []));
result('an intact log holding the noted heads passes with them', good.code === 0, good.output.trim().split('\n').slice(0, 2).join(' / '));

const sock = encodeURIComponent(`${DATA}/store/mongod.sock`);
const mongo = new MongoClient(`mongodb://${sock}/?directConnection=true`);
await mongo.connect();
const db = mongo.db('aegis');
const log = db.collection('audit_log');
const outcomes = db.collection('audit_outcomes');
const counters = db.collection('counters');

// First the newest entries alone: the outcome records of their sealed outcomes still name them.
const newest = await log.find({}).sort({ id: -1 }).limit(3).toArray();
await log.deleteMany({ id: { $in: newest.map((e) => e.id) } });
const alone = await cli();
result(
  'the newest 3 entries cut, their outcome records kept: plain verify fails (a record names a missing entry)',
  alone.code !== 0,
  `CLI exit ${alone.code}: ${alone.output.trim().split('\n')[0]}`,
);
// Then as a careful insider: the records naming them go too, and the newest other record with
// its entry's outcome (so nothing dangles). What's left is a valid chain, shorter.
const cutIds = newest.map((e) => e.id);
const theirs = await outcomes.find({ entryId: { $in: cutIds } }).toArray();
const newestRecord = await outcomes.find({ entryId: { $nin: cutIds } }).sort({ id: -1 }).limit(1).toArray();
const gone = [...theirs, ...newestRecord];
// the outcome chain must stay a chain: cut it back to below the lowest record removed
const lowest = Math.min(...gone.map((r) => r.id));
const cutRecords = await outcomes.find({ id: { $gte: lowest } }).toArray();
await outcomes.deleteMany({ id: { $gte: lowest } });
for (const r of cutRecords)
  if (!cutIds.includes(r.entryId)) await log.updateOne({ id: r.entryId }, { $unset: { outcome: '', durationMs: '', sealPending: '' } });
console.log(`NOTE cut entries ${cutIds.join(',')} and outcome records ${cutRecords.map((r) => r.id).join(',')}`);
const ctr = await counters.find({}).toArray();
console.log(`NOTE counters: ${JSON.stringify(ctr.map((c) => ({ _id: c._id, seq: c.seq })))}`);

const cut = await admin.audit.verify.query();
const plain = await cli();
// By design (README, Threat model): nothing follows a cut tail, so the chain alone can't show it.
console.log(
  `NOTE tail cut (entries and their records), plain verify without a noted head: server ok=${cut.ok}; ` +
    `CLI exit ${plain.code}: ${plain.output.trim().split('\n')[0]}`,
);
const anchored = await cli('--head', noted.entry.hash);
result(
  'tail cut: `aegis audit verify --head <noted>` fails',
  anchored.code !== 0,
  `CLI exit ${anchored.code}: ${anchored.output.trim().split('\n').slice(0, 2).join(' / ')}`,
);
if (noted.outcome) {
  const anchoredOutcome = await cli('--outcome-head', noted.outcome.hash);
  result(
    'outcome tail cut: `aegis audit verify --outcome-head <noted>` fails',
    anchoredOutcome.code !== 0,
    `CLI exit ${anchoredOutcome.code}: ${anchoredOutcome.output.trim().split('\n').slice(0, 2).join(' / ')}`,
  );
}

// The server goes on: new entries chain onto the cut tail.
for (let i = 0; i < 2; i++) await ag.sdk.decide.mutate({ agent, action: 'read', args: { after: i } });
const later = await cli('--head', noted.entry.hash);
result(
  'tail cut, then new entries appended: `--head <noted>` still fails',
  later.code !== 0,
  `CLI exit ${later.code}: ${later.output.trim().split('\n').slice(0, 2).join(' / ')}`,
);

const wrong = await cli('--head', 'not-a-hash');
result('a malformed --head is refused, not a crash', wrong.code !== 0 && !/Internal|TypeError/.test(wrong.output), wrong.output.trim().split('\n')[0]);
await mongo.close();
