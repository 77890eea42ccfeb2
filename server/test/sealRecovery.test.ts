/**
 * A server that stops between recording a call's outcome and sealing it in the outcome chain
 * leaves an outcome without a record. The write that records the outcome also marks it
 * (`sealPending`); on startup (and while outcomes are written) a sweep seals such outcomes from
 * the entry, marked `recovered` in the record's hash, so verification passes and says what
 * happened instead of reporting an unproven outcome that looks like tampering.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createModels } from '../src/data/models';
import { createAuditRepo } from '../src/data/repos/audit.repo';
import { SEAL_GRACE_MS } from '../src/data/repos/sealRecovery';
import { startTestServer, type TestServer } from './helpers/testServer';
import { trpcClient } from './helpers/trpcClient';
import { cliVerify } from './security/harness';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Decides `n` calls of a fresh agent; their entry ids. */
async function decided(server: TestServer, n: number): Promise<number[]> {
  const api = trpcClient(server.url, server.adminKey);
  await api.sdk.registerAgent.mutate({ name: 'teller', allows: ['read'] });
  const ids: number[] = [];
  for (let i = 0; i < n; i++)
    ids.push(
      (await api.sdk.decide.mutate({ agent: 'teller', action: 'read', args: { i } })).auditId,
    );
  return ids;
}

/**
 * What the outcome update of a server that then stopped leaves: the outcome, its result findings
 * and the pending mark, written together; no record. `ago`: how long before now it was written.
 */
async function crashedAfterRecording(server: TestServer, id: number, ago = 2 * SEAL_GRACE_MS) {
  await server.store.connection.collection('audit_log').updateOne(
    { id },
    {
      $set: {
        outcome: 'error',
        durationMs: 42,
        resultFindings: [{ detector: 'email', path: '$.to', count: 1, confidence: 0.9 }],
        sealPending: new Date(Date.now() - ago),
      },
    },
  );
}

describe('outcomes left unsealed by a stopped server', () => {
  it('are sealed from the entry when the server starts again, marked recovered; verify passes and says so', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'aegis-seal-'));
    dirs.push(dataDir);
    const first = await startTestServer({ dataDir });
    const [id = 0] = await decided(first, 1);
    await crashedAfterRecording(first, id);
    expect(
      (await trpcClient(first.url, first.adminKey).audit.verify.query()).outcomes,
    ).toMatchObject({ sealPending: [id], recovered: [] });
    await first.close({ keepData: true });

    const second = await startTestServer({ dataDir });
    try {
      // The startup sweep runs in the background (a restart never waits for it): settle waits.
      await second.settle();
      const conn = second.store.connection;
      const record = await conn.collection('audit_outcomes').findOne({ entryId: id });
      expect(record).toMatchObject({ outcome: 'error', durationMs: 42, recovered: true });
      const entry = await conn.collection('audit_log').findOne({ id });
      expect(entry?.sealPending).toBeUndefined();
      expect(record?.entryHash).toBe(entry?.hash);
      const result = await trpcClient(second.url, second.adminKey).audit.verify.query();
      expect(result).toMatchObject({ ok: true, firstBad: null });
      expect(result.outcomes).toMatchObject({
        sealPending: [],
        recovered: [id],
        recoveredCount: 1,
      });
      const cli = await cliVerify(second);
      expect(cli.code).toBe(0);
      expect(cli.output).toContain(`1 outcome(s) sealed on recovery (entries ${id})`);
      // The mark is in the record's hash: dropping it to pass the seal off as timely shows.
      await conn
        .collection('audit_outcomes')
        .updateOne({ entryId: id }, { $unset: { recovered: '' } });
      const edited = await trpcClient(second.url, second.adminKey).audit.verify.query();
      expect(edited.firstBad?.reason).toMatch(/was modified/);
      await conn
        .collection('audit_outcomes')
        .updateOne({ entryId: id }, { $set: { recovered: true } });
      // And an export of it checks offline, saying which outcomes were sealed late.
      const res = await fetch(`${second.url}/export/report?format=json`, {
        headers: { authorization: `Bearer ${second.adminKey}` },
      });
      const file = path.join(dataDir, 'report.json');
      await writeFile(file, await res.text());
      const offline = await cliVerify(second, ['--file', file]);
      expect(offline.code).toBe(0);
      expect(offline.output).toContain('1 outcomes were sealed on recovery');
    } finally {
      await second.close({ keepData: true });
    }
  });

  it('two servers sweeping at once seal each outcome once; a fresh mark (a seal in flight) is left alone', async () => {
    const server = await startTestServer({ inMemoryStore: true });
    try {
      const [a = 0, b = 0, young = 0] = await decided(server, 3);
      await crashedAfterRecording(server, a);
      await crashedAfterRecording(server, b);
      await crashedAfterRecording(server, young, 0);
      // Two more processes' repos on the same database: each its own outcome-chain appender.
      const models = createModels(server.store.connection);
      const repo = () =>
        createAuditRepo(models.audit, models.counters, models.auditOutcomes, () => {});
      const swept = await Promise.all([repo().sealPendingOutcomes(), repo().sealPendingOutcomes()]);
      expect(swept[0] + swept[1]).toBe(2);
      const records = server.store.connection.collection('audit_outcomes');
      for (const id of [a, b]) expect(await records.countDocuments({ entryId: id })).toBe(1);
      expect(await records.countDocuments({ entryId: young })).toBe(0);
      const result = await trpcClient(server.url, server.adminKey).audit.verify.query();
      expect(result).toMatchObject({ ok: true, firstBad: null });
      expect(result.outcomes).toMatchObject({ recovered: [a, b], sealPending: [young] });
      expect(await repo().sealPendingOutcomes()).toBe(0);
    } finally {
      await server.close();
    }
  });
});
