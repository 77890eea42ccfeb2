/**
 * Attack review 12 (low): two reports of one call's outcome could both be answered 200 though
 * only one was stored — the server that decided the call took the report it held in memory
 * without learning whether its write-once outcome or a concurrent report's (another server, or
 * the checked path) won — and the `error` one then wrote its ERROR entry even when the other
 * report's `ok` won: an `ok` outcome beside an ERROR entry in the flight record. Now exactly one
 * report is recorded, the other answered OUTCOME_RECORDED, and an ERROR entry exists only when
 * the stored outcome is the error, once per call.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedMongo, type EmbeddedMongo } from 'embedded-mongo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, Principal } from '@aegis/shared';
import { startServer, type RunningServer } from '../../src/server';
import { createContextInner } from '../../src/trpc/context';
import { createCallerFactory } from '../../src/trpc/init';
import { appRouter } from '../../src/routers/_app';
import { createRepos } from '../../src/data/repos';
import { principals, testServerConfig } from '../helpers/testServer';
import { useTestDb } from '../helpers/testDb';

let store: EmbeddedMongo;
let dataDir: string;
const servers: RunningServer[] = [];
const createCaller = createCallerFactory(appRouter);
/** A caller on server `i` (two servers on one store), the admin's unless another is named. */
const on = (i: number, principal: Principal = principals.admin) =>
  createCaller(
    createContextInner({
      principal,
      services: servers[i]!.services,
      auth: servers[i]!.auth,
      requestId: 't',
    }),
  );

beforeAll(async () => {
  store = await startEmbeddedMongo();
  dataDir = await mkdtemp(path.join(tmpdir(), 'aegis-outcomes-'));
  for (let i = 0; i < 2; i++)
    servers.push(await startServer({ ...testServerConfig({ dataDir }), mongoUri: store.uri }));
  await on(0).sdk.registerAgent({ name: 'racer', allows: ['read'] });
}, 60_000);
afterAll(async () => {
  for (const server of servers) await server.stop();
  await store?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const entriesOf = async (agent: string): Promise<AuditEntry[]> =>
  (await on(0).audit.list({ agent, limit: 200 })).entries;
let n = 0;

describe('a second report of one call', () => {
  it('is refused on the server holding the call when another server recorded the first', async () => {
    const { callId, auditId } = await on(0).sdk.decide({
      agent: 'racer',
      action: 'read',
      args: { n: ++n },
    });
    await on(1).sdk.complete({ callId, outcome: 'ok', durationMs: 5 });
    await expect(
      on(0).sdk.complete({ callId, outcome: 'error', durationMs: 7, error: 'boom' }),
    ).rejects.toThrow(/already recorded/);
    const entries = await entriesOf('racer');
    expect(entries.find((e) => e.id === auditId)?.outcome).toBe('ok');
    expect(entries.filter((e) => e.callId === callId && e.status === 'ERROR')).toHaveLength(0);
  });

  it('sent at once to both servers: one recorded, one told so, an ERROR entry only beside an error', async () => {
    for (let round = 0; round < 10; round++) {
      const { callId, auditId } = await on(0).sdk.decide({
        agent: 'racer',
        action: 'read',
        args: { n: ++n },
      });
      const reports = await Promise.allSettled([
        on(round % 2).sdk.complete({ callId, outcome: 'ok', durationMs: 5 }),
        on(1 - (round % 2)).sdk.complete({ callId, outcome: 'error', durationMs: 7, error: 'x' }),
      ]);
      expect(reports.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = reports.find((r) => r.status === 'rejected');
      expect(String(refused?.reason)).toMatch(/already recorded/);
      const winner = reports[0].status === 'fulfilled' ? 'ok' : 'error';
      const entries = await entriesOf('racer');
      expect(entries.find((e) => e.id === auditId)?.outcome).toBe(winner);
      expect(entries.filter((e) => e.callId === callId && e.status === 'ERROR')).toHaveLength(
        winner === 'error' ? 1 : 0,
      );
    }
    expect((await on(0).audit.verify()).ok).toBe(true);
  });
});

describe('call ids are the clients’', () => {
  it('another agent’s record under the same call id does not hide an agent’s call from its report', async () => {
    await on(0).sdk.registerAgent({ name: 'alpha', allows: ['read'] });
    await on(0).sdk.registerAgent({ name: 'bravo', allows: ['read'] });
    const alpha = principals.agent('alpha');
    const bravo = principals.agent('bravo');
    const callId = 'b7e3c1d2-5f6a-4b8c-9d0e-1f2a3b4c5d6e';
    const decided = await on(0, bravo).sdk.decide({
      agent: 'bravo',
      action: 'read',
      args: {},
      callId,
    });
    expect(decided.verdict).toBe('ALLOWED');
    // Alpha files a local-mode record carrying bravo's call id (it would need to learn it).
    await on(1, alpha).sdk.recordBatch({
      entries: [
        {
          entryKey: 'alpha_claims_bravos_call',
          agent: 'alpha',
          action: 'read',
          status: 'ALLOWED',
          details: 'local',
          callId,
          args: {},
          decidedAt: new Date().toISOString(),
          policyVersion: 1,
          rule: { id: 'seed-allowed', scope: 'agent', version: 1 },
        },
      ],
    });
    // Bravo's report, on the server that does not hold its call: its own call is found.
    await on(1, bravo).sdk.complete({ callId, outcome: 'ok', durationMs: 3 });
    const entries = await entriesOf('bravo');
    expect(entries.find((e) => e.id === decided.auditId)?.outcome).toBe('ok');
    // And alpha's report of that id reaches only alpha's record.
    await on(0, alpha).sdk.complete({ callId, outcome: 'error', durationMs: 4, error: 'x' });
    expect((await entriesOf('bravo')).find((e) => e.id === decided.auditId)?.outcome).toBe('ok');
  });
});

const db = useTestDb();

describe('the outcome writer', () => {
  it('says which queued outcome of an entry was recorded: the first, not a later one', async () => {
    const repos = await createRepos(await db.connect(), { onAuditWritten: () => undefined });
    const entry = await repos.audit.write({
      timestamp: new Date(),
      agent: 'a',
      action: 'read',
      status: 'ALLOWED',
      source: 'server',
      details: '',
      callId: 'c-1',
      approvalId: null,
      argsPreview: null,
    });
    const [first, second] = await Promise.all([
      repos.audit.queueOutcome(entry.id, 'ok', 5),
      repos.audit.queueOutcome(entry.id, 'error', 7),
    ]);
    expect([first, second]).toEqual([true, false]);
    // Another report after it, even with the same values: not recorded again.
    expect(await repos.audit.queueOutcome(entry.id, 'ok', 5)).toBe(false);
    expect(await repos.audit.setOutcome(entry.id, 'error', 9)).toBe(false);
  });
});
