/**
 * Done-means 4: edit, delete and reorder audit entries directly in the database; `audit.verify`
 * names the first bad entry, and passes on an untouched log.
 */
import type { Collection, Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashAuditEntry, type HashedAuditFields } from '../../src/data/auditChain';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { cliVerify, createKey, trpc, type Credential } from './harness';

let server: TestServer;
let admin: Credential;
let log: Collection<Document>;

interface Verify {
  ok: boolean;
  checked: number;
  firstBad: { id: number; reason: string; outcomeRecord?: number } | null;
  heads?: { entry: { id: number; hash: string } | null; outcome: { id: number; hash: string } | null };
}

async function verify(
  cred: Credential = admin,
  noted?: { head?: string; outcomeHead?: string },
): Promise<Verify> {
  const res = await trpc(server.url, 'audit.verify', 'query', noted, cred);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { result: { data: Verify } }).result.data;
}

async function entry(id: number): Promise<Document> {
  const doc = await log.findOne({ id });
  if (!doc) throw new Error(`no entry ${id}`);
  return doc;
}

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = { kind: 'bearer', key: server.adminKey };
  log = server.store.connection.collection('audit_log');
  await trpc(
    server.url,
    'sdk.registerAgent',
    'mutation',
    { name: 'teller', allows: ['read'], blocks: ['wire'] },
    admin,
  );
  const agent: Credential = {
    kind: 'bearer',
    key: (await createKey(server, 'teller-bot', 'agent', ['teller'])).key,
  };
  for (let i = 0; i < 8; i++) {
    const res = await trpc(
      server.url,
      'sdk.decide',
      'mutation',
      { agent: 'teller', action: i % 3 ? 'read' : 'wire', args: { i } },
      agent,
    );
    expect(res.status).toBe(200);
  }
});

afterAll(async () => {
  await server?.close();
});

describe('tamper-evident audit log', () => {
  it('passes on an untouched log', async () => {
    const total = await log.countDocuments();
    expect(total).toBeGreaterThanOrEqual(8);
    expect(await verify()).toMatchObject({ ok: true, checked: total, firstBad: null });
    const cli = await cliVerify(server);
    expect(cli.code, cli.output).toBe(0);
  });

  it('keeps verifying entries whose text the store had to normalise (lone surrogates)', async () => {
    const raw =
      '{"agent":"teller","action":"read","status":"ALLOWED","details":"odd \\ud800 text"}';
    const res = await fetch(`${server.url}/trpc/sdk.log`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      body: raw,
    });
    expect(res.status).toBe(200);
    expect(await verify()).toMatchObject({ ok: true, firstBad: null });
  });

  it('is only for admins', async () => {
    const viewer = (await createKey(server, 'viewer', 'viewer')).key;
    const res = await trpc(server.url, 'audit.verify', 'query', undefined, {
      kind: 'bearer',
      key: viewer,
    });
    expect(res.status).toBe(403);
  });

  it('names an edited entry', async () => {
    const original = await entry(4);
    await log.updateOne({ id: 4 }, { $set: { status: 'ALLOWED', details: 'nothing to see here' } });
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.firstBad?.id).toBe(4);
    expect(result.firstBad?.reason).toMatch(/modified/);
    expect(result.checked).toBe(3);
    const cli = await cliVerify(server);
    expect(cli.code).not.toBe(0);
    expect(cli.output).toMatch(/#4/);
    await log.updateOne(
      { id: 4 },
      { $set: { status: original.status as string, details: original.details as string } },
    );
    expect((await verify()).ok).toBe(true);
  });

  it('names an entry whose hashed fields were given another type (an approval id as a string, findings as an object)', async () => {
    for (const edit of [{ approvalId: '99' }, { findings: { detector: 'card' } }]) {
      const original = await entry(5);
      await log.updateOne({ id: 5 }, { $set: edit });
      const result = await verify();
      expect(result, JSON.stringify(edit)).toMatchObject({ ok: false, firstBad: { id: 5 } });
      await log.replaceOne({ id: 5 }, original);
      expect((await verify()).ok).toBe(true);
    }
  });

  it('names an entry whose channel was removed (hiding that a call came through the MCP gateway)', async () => {
    const res = await trpc(
      server.url,
      'sdk.decide',
      'mutation',
      { agent: 'teller', action: 'read', args: { via: 'gateway' }, channel: 'mcp' },
      admin,
    );
    const { auditId } = (res.body as { result: { data: { auditId: number } } }).result.data;
    expect((await entry(auditId)).channel).toBe('mcp');
    expect((await verify()).ok).toBe(true);
    await log.updateOne({ id: auditId }, { $unset: { channel: '' } });
    expect((await verify()).firstBad).toMatchObject({ id: auditId, reason: /modified/ });
    await log.updateOne({ id: auditId }, { $set: { channel: 'mcp' } });
    expect((await verify()).ok).toBe(true);
  });

  it('names an entry whose upstream tool name was changed (hiding which gateway tool ran)', async () => {
    const res = await trpc(
      server.url,
      'sdk.decide',
      'mutation',
      {
        agent: 'teller',
        action: 'read',
        args: { via: 'gateway' },
        channel: 'mcp',
        upstream: 'bank',
        upstreamTool: 'read balance',
      },
      admin,
    );
    const { auditId } = (res.body as { result: { data: { auditId: number } } }).result.data;
    expect(await entry(auditId)).toMatchObject({ upstream: 'bank', upstreamTool: 'read balance' });
    expect((await verify()).ok).toBe(true);
    await log.updateOne({ id: auditId }, { $set: { upstreamTool: 'read_balance' } });
    expect((await verify()).firstBad).toMatchObject({ id: auditId, reason: /modified/ });
    await log.updateOne({ id: auditId }, { $unset: { upstreamTool: '' } });
    expect((await verify()).firstBad).toMatchObject({ id: auditId, reason: /modified/ });
    await log.updateOne({ id: auditId }, { $set: { upstreamTool: 'read balance' } });
    expect((await verify()).ok).toBe(true);
  });

  it('names the entry after a deleted one', async () => {
    const original = await entry(5);
    await log.deleteOne({ id: 5 });
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.firstBad?.id).toBe(6);
    expect(result.firstBad?.reason).toMatch(/entry 5 is missing/);
    await log.insertOne(original);
    expect((await verify()).ok).toBe(true);
  });

  it('notices when the first entries are deleted', async () => {
    const first = await entry(1);
    await log.deleteOne({ id: 1 });
    const result = await verify();
    expect(result.firstBad?.id).toBe(2);
    await log.insertOne(first);
    expect((await verify()).ok).toBe(true);
  });

  it('names the first of two swapped entries', async () => {
    await log.updateOne({ id: 2 }, { $set: { id: -3 } });
    await log.updateOne({ id: 3 }, { $set: { id: 2 } });
    await log.updateOne({ id: -3 }, { $set: { id: 3 } });
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.firstBad?.id).toBe(2);
    // swap back
    await log.updateOne({ id: 2 }, { $set: { id: -3 } });
    await log.updateOne({ id: 3 }, { $set: { id: 2 } });
    await log.updateOne({ id: -3 }, { $set: { id: 3 } });
    expect((await verify()).ok).toBe(true);
  });

  it('catches reordering even when each moved entry gets a fresh hash of its own', async () => {
    const [a, b] = [await entry(6), await entry(7)];
    // Entry 6's content moves to position 7 and vice versa, each re-hashed to look self-consistent.
    // (entryKey, a unique index key that is not hashed, is left behind: the swap keeps its uniqueness)
    const rehash = ({ _id, entryKey: _key, ...doc }: Document, id: number) => {
      const fields = {
        ...doc,
        id,
        timestamp: (doc.timestamp as Date).toISOString(),
      } as unknown as HashedAuditFields;
      return { ...doc, id, hash: hashAuditEntry(fields) };
    };
    await log.replaceOne({ id: 6 }, rehash(b, 6));
    await log.replaceOne({ id: 7 }, rehash(a, 7));
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.firstBad?.id).toBe(6);
    expect(result.firstBad?.reason).toMatch(/prevHash/);
    await log.replaceOne({ id: 6 }, a);
    await log.replaceOne({ id: 7 }, b);
    expect(await verify()).toMatchObject({ ok: true, firstBad: null });
  });

  it('names the newest entries and outcome records cut off the end, against heads noted earlier (attack review 15)', async () => {
    const agent: Credential = {
      kind: 'bearer',
      key: (await createKey(server, 'teller-tail', 'agent', ['teller'])).key,
    };
    for (let i = 0; i < 3; i++) {
      const res = await trpc(
        server.url,
        'sdk.decide',
        'mutation',
        { agent: 'teller', action: 'read', args: { tail: i } },
        agent,
      );
      const { callId } = (res.body as { result: { data: { callId: string } } }).result.data;
      await trpc(
        server.url,
        'sdk.complete',
        'mutation',
        { callId, outcome: 'ok', durationMs: i },
        agent,
      );
    }
    const outcomes = server.store.connection.collection('audit_outcomes');
    await vi.waitFor(async () => expect(await outcomes.countDocuments()).toBe(3), {
      timeout: 10_000,
      interval: 20,
    });
    const { heads } = await verify();
    const noted = { head: heads!.entry!.hash, outcomeHead: heads!.outcome!.hash };
    expect(await verify(admin, noted)).toMatchObject({ ok: true });
    // Upper case, as someone may copy it: the same hash.
    expect(await verify(admin, { head: noted.head.toUpperCase() })).toMatchObject({ ok: true });

    // The newest entry cut alone: its sealed outcome's record still names it.
    const newestAlone = await entry(heads!.entry!.id);
    await log.deleteOne({ id: newestAlone.id as number });
    const orphan = await verify();
    expect(orphan).toMatchObject({ ok: false });
    expect(orphan.firstBad?.reason).toMatch(/names entry \d+, which is not in the log: .*cut off/);
    await log.insertOne(newestAlone);
    expect((await verify()).ok).toBe(true);

    // An insider with the store cuts the newest entry and the newest outcome record (with its
    // outcome, so nothing dangles): what's left is a valid chain, shorter.
    const newest = await entry(heads!.entry!.id);
    const record = await outcomes.findOne({ id: heads!.outcome!.id });
    const sealedEntry = await entry(record!.entryId as number);
    await log.deleteOne({ id: newest.id as number });
    await outcomes.deleteOne({ id: record!.id as number });
    if (sealedEntry.id !== newest.id)
      await log.updateOne(
        { id: sealedEntry.id as number },
        { $unset: { outcome: '', durationMs: '', sealPending: '' } },
      );
    // Alone, the chain can't show it: nothing follows a cut tail.
    expect((await verify()).ok).toBe(true);

    const cut = await verify(admin, { head: noted.head });
    expect(cut).toMatchObject({ ok: false, firstBad: { id: heads!.entry!.id } });
    expect(cut.firstBad?.reason).toMatch(/not in the chain.*cut off its end/);
    const cutRecord = await verify(admin, { outcomeHead: noted.outcomeHead });
    expect(cutRecord).toMatchObject({
      ok: false,
      firstBad: { outcomeRecord: heads!.outcome!.id },
    });
    expect(cutRecord.firstBad?.reason).toMatch(/outcome record .* not in the chain/);

    // The CLI takes the heads it printed (it used to ignore them on the live log and say OK).
    const cli = await cliVerify(server, ['--head', noted.head]);
    expect(cli.code, cli.output).toBe(1);
    expect(cli.output).toMatch(/BROKEN .*not in the chain/);
    const cliRecord = await cliVerify(server, ['--outcome-head', noted.outcomeHead]);
    expect(cliRecord.code, cliRecord.output).toBe(1);

    // Bad input is a 400 saying what is wrong, not a silent pass.
    const bad = await trpc(server.url, 'audit.verify', 'query', { head: 'abc' }, admin);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/64 hex characters/);
    const unknown = await trpc(server.url, 'audit.verify', 'query', { hed: noted.head }, admin);
    expect(unknown.status).toBe(400);

    await log.insertOne(newest);
    await outcomes.insertOne(record!);
    await log.replaceOne({ id: sealedEntry.id as number }, sealedEntry);
    expect(await verify(admin, noted)).toMatchObject({ ok: true });
    const back = await cliVerify(server, ['--head', noted.head, '--outcome-head', noted.outcomeHead]);
    expect(back.code, back.output).toBe(0);
    expect(back.output).toMatch(/the noted head .* is in the log/);
  });
});
