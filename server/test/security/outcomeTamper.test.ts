/**
 * Call outcomes under the hash chain: an outcome is written onto its entry after the tool ran, so
 * the entry's hash cannot cover it; it is sealed in the outcome chain instead, and the stored call
 * arguments by a digest the entry's hash covers. Edit outcomes, records and arguments directly in
 * the database: `audit.verify` (and `aegis audit verify`) names what was changed.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Collection, Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditChainHeads, AuditOutcomesReport } from '@aegis/shared';
import { OutcomeJoin, type EntryOutcomeFields } from '../../src/auth/verifyOutcomes';
import { hashAuditEntry, type HashedAuditFields } from '../../src/data/auditChain';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { cliVerify, createKey, trpc, type Credential } from './harness';

let server: TestServer;
let admin: Credential;
let agent: Credential;
let log: Collection<Document>;
let records: Collection<Document>;
/** Entry ids of the calls completed in beforeAll, in order. */
const calls: number[] = [];

interface Verify {
  ok: boolean;
  checked: number;
  firstBad: { id: number; reason: string; outcomeRecord?: number } | null;
  outcomes: AuditOutcomesReport;
  heads?: AuditChainHeads;
}

async function verify(): Promise<Verify> {
  const res = await trpc(server.url, 'audit.verify', 'query', undefined, admin);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { result: { data: Verify } }).result.data;
}

async function call<T>(procedure: string, input: unknown, cred = agent): Promise<T> {
  const res = await trpc(server.url, procedure, 'mutation', input, cred);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { result: { data: T } }).result.data;
}

async function decide(args: Record<string, unknown>): Promise<{ auditId: number; callId: string }> {
  return call('sdk.decide', { agent: 'teller', action: 'read', args });
}

async function doc(coll: Collection<Document>, filter: Document): Promise<Document> {
  const found = await coll.findOne(filter);
  if (!found) throw new Error(`nothing matches ${JSON.stringify(filter)}`);
  return found;
}

/** Runs `tamper`, expects verification to fail as `expected`, then puts the document back. */
async function tampered(
  coll: Collection<Document>,
  filter: Document,
  tamper: () => Promise<unknown>,
  expected: Partial<Verify['firstBad']> & object,
): Promise<Verify> {
  const original = await doc(coll, filter);
  await tamper();
  const result = await verify();
  expect(result.ok).toBe(false);
  expect(result.firstBad).toMatchObject(expected);
  await coll.deleteOne(filter);
  await coll.insertOne(original);
  expect((await verify()).ok).toBe(true);
  return result;
}

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = { kind: 'bearer', key: server.adminKey };
  log = server.store.connection.collection('audit_log');
  records = server.store.connection.collection('audit_outcomes');
  await call('sdk.registerAgent', { name: 'teller', allows: ['read'] }, admin);
  agent = { kind: 'bearer', key: (await createKey(server, 'teller-bot', 'agent', ['teller'])).key };
  for (let i = 0; i < 4; i++) {
    const d = await decide({ account: `acct-${i}` });
    const resultFindings =
      i === 2 ? [{ detector: 'email', path: '$.to', count: 1, confidence: 0.9 }] : undefined;
    await call('sdk.complete', {
      callId: d.callId,
      outcome: i === 1 ? 'error' : 'ok',
      durationMs: 10 + i,
      ...(resultFindings ? { resultFindings } : {}),
    });
    calls.push(d.auditId);
  }
  // A local-mode record shipped after its tool finished: its outcome is known at insert.
  await call('sdk.recordBatch', {
    entries: [
      {
        entryKey: 'sealed-local-0001',
        agent: 'teller',
        action: 'read',
        status: 'ALLOWED',
        details: 'local',
        callId: 'local-1',
        args: { account: 'acct-local' },
        decidedAt: new Date().toISOString(),
        policyVersion: 1,
        rule: { id: 'seed-allowed', scope: 'agent', version: 1 },
        outcome: 'ok',
        durationMs: 7,
      },
    ],
  });
  await server.settle();
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe('outcomes under the hash chain', () => {
  it('seals every recorded outcome once, and an untouched log verifies', async () => {
    const result = await verify();
    expect(result).toMatchObject({ ok: true, firstBad: null });
    const withOutcome = await log.countDocuments({ outcome: { $ne: null } });
    expect(withOutcome).toBe(5);
    expect(result.outcomes).toMatchObject({
      records: 5,
      sealed: 5,
      notSealed: 0,
      sealPending: [],
      recovered: [],
      argsNotSealed: 0,
    });
    const record = await doc(records, { entryId: calls[1] });
    expect(record).toMatchObject({ outcome: 'error', durationMs: 11 });
    expect(record.entryHash).toBe((await doc(log, { id: calls[1] })).hash);
    expect((await cliVerify(server)).code).toBe(0);
  });

  it('names an entry whose outcome was changed in the store (error → ok)', async () => {
    const id = calls[1] ?? 0;
    await tampered(log, { id }, () => log.updateOne({ id }, { $set: { outcome: 'ok' } }), {
      id,
      reason: expect.stringMatching(/outcome error, sealed ok|outcome ok, sealed error/) as string,
    });
    await log.updateOne({ id }, { $set: { outcome: 'ok' } });
    const cli = await cliVerify(server);
    expect(cli.code).not.toBe(0);
    expect(cli.output).toMatch(new RegExp(`#${id}\\b`));
    await log.updateOne({ id }, { $set: { outcome: 'error' } });
    expect((await verify()).ok).toBe(true);
  });

  it('names an entry whose result findings were dropped, or whose outcome was erased', async () => {
    const id = calls[2] ?? 0;
    await tampered(log, { id }, () => log.updateOne({ id }, { $unset: { resultFindings: '' } }), {
      id,
      reason: expect.stringMatching(/result findings/) as string,
    });
    await tampered(log, { id }, () => log.updateOne({ id }, { $set: { outcome: null } }), {
      id,
      reason: expect.stringMatching(/outcome none, sealed ok/) as string,
    });
  });

  it('an outcome erased in the store fails the offline check of an export too (review 7)', async () => {
    const id = calls[1] ?? 0;
    const original = await doc(log, { id });
    await log.updateOne({ id }, { $set: { outcome: null, durationMs: null } });
    try {
      const res = await fetch(`${server.url}/export/report?format=json`, {
        headers: { authorization: `Bearer ${server.adminKey}` },
      });
      expect(res.status).toBe(200);
      const file = path.join(await mkdtemp(path.join(tmpdir(), 'aegis-erased-')), 'report.json');
      await writeFile(file, await res.text());
      const run = await cliVerify(server, ['--file', file]);
      expect(run.code).toBe(1);
      expect(run.output).toMatch(new RegExp(`entry #${id}: outcome-mismatch`));
    } finally {
      await log.deleteOne({ id });
      await log.insertOne(original);
    }
  });

  it("a record sealed while the walk runs (its entry after the walk's last) is no stray (review 7)", async () => {
    // The walk read the log up to some entry; a later entry and its record were written after.
    const entries = await log.find({}, { sort: { id: 1 } }).toArray();
    const last = calls.at(-1) ?? 0;
    const join = new OutcomeJoin(server.store.connection);
    for (const entry of entries.filter((e) => Number(e.id) < last))
      expect(await join.check(Number(entry.id), entry as EntryOutcomeFields)).toBeNull();
    expect(await doc(records, { entryId: last })).toBeTruthy();
    expect(await join.finish()).toBeNull();
  });

  it('names an entry whose stored call arguments were changed', async () => {
    const id = calls[0] ?? 0;
    const stored = (await doc(log, { id })).callArgs as string;
    expect(stored).toContain('acct-0');
    await tampered(
      log,
      { id },
      () => log.updateOne({ id }, { $set: { callArgs: stored.replace('acct-0', 'acct-9') } }),
      { id, reason: expect.stringMatching(/call arguments were changed/) as string },
    );
    await tampered(log, { id }, () => log.updateOne({ id }, { $unset: { callArgs: '' } }), {
      id,
      reason: expect.stringMatching(/call arguments/) as string,
    });
  });

  it('reports a changed outcome record as a broken link of the outcome chain', async () => {
    const id = calls[1] ?? 0;
    const record = await doc(records, { entryId: id });
    await tampered(
      records,
      { entryId: id },
      () => records.updateOne({ entryId: id }, { $set: { outcome: 'ok' } }),
      { outcomeRecord: record.id as number, reason: expect.stringMatching(/modified/) as string },
    );
  });

  it('reports a deleted outcome record as a gap', async () => {
    const id = calls[1] ?? 0;
    const record = await doc(records, { entryId: id });
    await tampered(records, { entryId: id }, () => records.deleteOne({ entryId: id }), {
      reason: expect.stringMatching(
        new RegExp(`outcome record ${String(record.id)} is missing`),
      ) as string,
    });
  });

  it('an outcome with neither a record nor a pending seal fails: written into the store, or its record deleted', async () => {
    const { auditId } = await decide({ account: 'acct-forged' });
    await log.updateOne({ id: auditId }, { $set: { outcome: 'ok', durationMs: 5 } });
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.firstBad).toMatchObject({
      id: auditId,
      reason: expect.stringMatching(/no outcome record, and no seal was pending/) as string,
    });
    const cli = await cliVerify(server);
    expect(cli.code).toBe(1);
    expect(cli.output).toContain(`#${auditId}`);
    await log.updateOne({ id: auditId }, { $set: { outcome: null, durationMs: null } });
    expect((await verify()).ok).toBe(true);
  });

  it('a crash between recording and sealing (the outcome and its pending mark, no record) is reported as pending, not as tampering', async () => {
    const { auditId } = await decide({ account: 'acct-crash' });
    // What a server that stopped right after the outcome update leaves behind: the update sets
    // the outcome and the mark together.
    await log.updateOne(
      { id: auditId },
      { $set: { outcome: 'ok', durationMs: 5, sealPending: new Date() } },
    );
    const result = await verify();
    expect(result).toMatchObject({ ok: true, firstBad: null });
    expect(result.outcomes).toMatchObject({ sealPending: [auditId], sealPendingCount: 1 });
    const cli = await cliVerify(server);
    expect(cli.code).toBe(0);
    expect(cli.output).toContain(`1 outcome(s) recorded, seal pending (entries ${auditId})`);
    await log.updateOne(
      { id: auditId },
      { $set: { outcome: null, durationMs: null }, $unset: { sealPending: '' } },
    );
  });

  it('keeps one record when the same call is reported twice at once', async () => {
    const d = await decide({ account: 'acct-twice' });
    const report = (outcome: string) =>
      trpc(
        server.url,
        'sdk.complete',
        'mutation',
        { callId: d.callId, outcome, durationMs: 3 },
        agent,
      );
    const answers = await Promise.all([report('ok'), report('error'), report('ok')]);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(1);
    await server.settle();
    expect(await records.countDocuments({ entryId: d.auditId })).toBe(1);
    const entry = await doc(log, { id: d.auditId });
    expect((await doc(records, { entryId: d.auditId })).outcome).toBe(entry.outcome);
    expect((await verify()).ok).toBe(true);
  });

  it("prints both chains' heads; an export pinned to the noted outcome head shows the newest record deleted", async () => {
    const newest = await records.findOne({}, { sort: { id: -1 } });
    const head = await log.findOne({}, { sort: { id: -1 } });
    if (!newest || !head) throw new Error('no outcome record');
    const noted = { id: newest.id as number, hash: newest.hash as string };
    expect((await verify()).heads).toEqual({
      entry: { id: head.id as number, hash: head.hash as string },
      outcome: noted,
    });
    const online = await cliVerify(server);
    expect(online.code).toBe(0);
    expect(online.output).toContain(`head: entry ${String(head.id)} ${String(head.hash)}`);
    expect(online.output).toContain(`outcome head: record ${noted.id} ${noted.hash}`);
    // Nothing follows the newest record to link: deleting it leaves no gap in the outcome chain.
    // Online, once a sweep has cleared its entry's pending mark (a minute after it was sealed),
    // the entry's outcome then has neither a record nor a pending seal.
    await log.updateOne({ id: newest.entryId as number }, { $unset: { sealPending: '' } });
    await records.deleteOne({ id: noted.id });
    try {
      expect((await verify()).firstBad).toMatchObject({
        id: newest.entryId as number,
        reason: expect.stringMatching(/no seal was pending/) as string,
      });
      const res = await fetch(`${server.url}/export/report?format=json`, {
        headers: { authorization: `Bearer ${server.adminKey}` },
      });
      expect(res.status).toBe(200);
      const file = path.join(await mkdtemp(path.join(tmpdir(), 'aegis-cut-')), 'report.json');
      await writeFile(file, await res.text());
      const pinned = await cliVerify(server, ['--file', file, '--outcome-head', noted.hash]);
      expect(pinned.code).toBe(1);
      expect(pinned.output).toContain(
        `head-mismatch: no outcome record of the trail has the trusted outcome head hash ${noted.hash.slice(0, 16)}`,
      );
    } finally {
      await records.insertOne(newest);
    }
    expect((await verify()).ok).toBe(true);
  });

  // Last: it rewrites the newest entry under the writer's feet (nothing is appended after it).
  it('reports outcomes of entries written before outcomes were sealed as not sealed, not as failures', async () => {
    const { auditId } = await decide({ account: 'acct-legacy' });
    // The newest entry as an earlier version wrote it: no argument digest, no seal mark.
    const {
      _id,
      callArgsHash: _digest,
      outcomeSealed: _sealed,
      ...old
    } = await doc(log, {
      id: auditId,
    });
    const fields = { ...old, timestamp: (old.timestamp as Date).toISOString() };
    const legacy = { ...old, hash: hashAuditEntry(fields as unknown as HashedAuditFields) };
    await log.replaceOne({ id: auditId }, { ...legacy, outcome: 'ok', durationMs: 1 });
    const result = await verify();
    expect(result).toMatchObject({ ok: true, firstBad: null });
    expect(result.outcomes).toMatchObject({ notSealed: 1, argsNotSealed: 1, sealPending: [] });
  });
});
