import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AegisApi, AuditEntry } from '../src/index';
import { countingProxy } from './helpers/countingProxy';
import {
  reviewerFor,
  sdkFor,
  startTestServer,
  uniqueAgent,
  type TestServer,
} from './helpers/server';

// Local mode ships each call's outcome with its record (or in a later batch), never as an
// sdk.complete request of its own.

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'aegis-sdk-outcomes-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function entriesOf(api: AegisApi, agent: string): Promise<AuditEntry[]> {
  const { entries } = await api.audit.list.query({ agent, limit: 200 });
  return entries.sort((a, b) => a.id - b.id);
}

/** What a reader of the audit log sees of a call, without ids, times, hashes and the agent. */
const shape = (entries: AuditEntry[]) =>
  entries.map(({ status, details, outcome, argsPreview, action, approvalId }) => ({
    status,
    details,
    outcome,
    argsPreview,
    action,
    approvalId,
  }));

describe('local mode outcomes', () => {
  it('reach the audit log with their records, in one recordBatch and no sdk.complete', async () => {
    const server = await startTestServer({ inMemoryStore: true });
    const proxy = await countingProxy(server.url);
    // Nothing ships on a timer, so the one flush below is the only shipping.
    const aegis = sdkFor(
      { url: proxy.url, adminKey: server.adminKey },
      { mode: 'local', spoolPath: path.join(scratch, 'batch.jsonl'), flushIntervalMs: 600_000 },
    );
    const name = uniqueAgent('local-outcomes');
    try {
      const handle = aegis.agent(name, { allows: ['ping'] });
      const CALLS = 30;
      for (let i = 0; i < CALLS; i++) {
        await handle
          .call('ping', { i }, () => {
            if (i % 3 === 0) throw new Error(`failure ${i}`);
            return i;
          })
          .catch(() => undefined);
      }
      await aegis.flush();
      expect(proxy.calls('sdk.complete')).toBe(0);
      expect(proxy.calls('sdk.recordBatch')).toBe(1);

      const entries = await entriesOf(reviewerFor(server), name);
      const allowed = entries.filter((e) => e.status === 'ALLOWED');
      const errors = entries.filter((e) => e.status === 'ERROR');
      expect(allowed).toHaveLength(CALLS);
      expect(allowed.filter((e) => e.outcome === 'ok')).toHaveLength(20);
      expect(allowed.filter((e) => e.outcome === 'error')).toHaveLength(10);
      expect(allowed.every((e) => typeof e.durationMs === 'number')).toBe(true);
      expect(errors.map((e) => e.details).sort()).toEqual(
        [0, 3, 6, 9, 12, 15, 18, 21, 24, 27].map((i) => `Tool failed: failure ${i}`).sort(),
      );
      expect(aegis.backgroundErrors).toEqual([]);
    } finally {
      await aegis.close();
      await proxy.close();
      await server.close();
    }
  });

  it('a failing tool leaves the same audit entries as in strict mode', async () => {
    const server = await startTestServer({ inMemoryStore: true });
    const strict = sdkFor(server);
    const local = sdkFor(server, { mode: 'local', spoolPath: path.join(scratch, 'same.jsonl') });
    const names = { strict: uniqueAgent('strict-error'), local: uniqueAgent('local-error') };
    try {
      const fail = () => {
        throw new Error('card declined');
      };
      const args = { card: '4111 1111 1111 1111', amount: 5 };
      for (const [client, name] of [
        [strict, names.strict],
        [local, names.local],
      ] as const) {
        const handle = client.agent(name, { allows: ['charge'] });
        await expect(handle.call('charge', args, fail)).rejects.toThrow('card declined');
        await client.flush();
      }
      const api = reviewerFor(server);
      const strictEntries = await entriesOf(api, names.strict);
      expect(shape(strictEntries).map((e) => [e.status, e.outcome])).toEqual([
        ['ALLOWED', 'error'],
        ['ERROR', null],
      ]);
      expect(shape(await entriesOf(api, names.local))).toEqual(shape(strictEntries));
    } finally {
      await strict.close();
      await local.close();
      await server.close();
    }
  });

  it('a tool still running when its record ships sends its outcome in a later batch', async () => {
    const server = await startTestServer({ inMemoryStore: true });
    const proxy = await countingProxy(server.url);
    const aegis = sdkFor(
      { url: proxy.url, adminKey: server.adminKey },
      { mode: 'local', spoolPath: path.join(scratch, 'late.jsonl') },
    );
    const api = reviewerFor(server);
    const name = uniqueAgent('local-late');
    try {
      const handle = aegis.agent(name, { allows: ['export', 'import'] });
      const seenWhileRunning: AuditEntry[][] = [];
      const longTool = (result: () => string) => async () => {
        await aegis.flush(); // the record ships now, while the tool is still running
        seenWhileRunning.push(await entriesOf(api, name));
        return result();
      };
      await expect(
        handle.call(
          'export',
          {},
          longTool(() => 'done'),
        ),
      ).resolves.toBe('done');
      await expect(
        handle.call(
          'import',
          {},
          longTool(() => {
            throw new Error('disk full');
          }),
        ),
      ).rejects.toThrow('disk full');
      await aegis.flush();

      // The records were on the server without an outcome before each tool ended.
      expect(seenWhileRunning[0]!.map((e) => [e.action, e.outcome])).toEqual([['export', null]]);
      expect(seenWhileRunning[1]!.at(-1)).toMatchObject({ action: 'import', outcome: null });
      const entries = await entriesOf(api, name);
      expect(entries.map((e) => [e.action, e.status, e.outcome])).toEqual([
        ['export', 'ALLOWED', 'ok'],
        ['import', 'ALLOWED', 'error'],
        ['import', 'ERROR', null],
      ]);
      expect(entries[2]!.details).toBe('Tool failed: disk full');
      expect(proxy.calls('sdk.complete')).toBe(0);
    } finally {
      await aegis.close();
      await proxy.close();
      await server.close();
    }
  });

  it('an outcome that ends while the server is down is spooled and applied once after restart', async () => {
    const dataDir = path.join(scratch, 'outage-data');
    const spoolPath = path.join(scratch, 'outage.jsonl');
    const first = await startTestServer({ dataDir });
    const { port, adminKey, url } = first;
    const aegis = sdkFor({ url, adminKey }, { mode: 'local', spoolPath, staleAfterMs: 600_000 });
    const name = uniqueAgent('local-outage');
    let second: TestServer | undefined;
    try {
      const handle = aegis.agent(name, { allows: ['sync'] });
      const call = handle.call('sync', {}, async () => {
        await aegis.flush(); // the record reaches the server…
        await first.close({ keepData: true }); // …which goes away before the tool ends
        throw new Error('upstream gone');
      });
      await expect(call).rejects.toThrow('upstream gone');
      await aegis.flush(); // unreachable: the outcome goes to the spool
      const spooled = (await readFile(spoolPath, 'utf8')).trim().split('\n');
      expect(spooled.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
        expect.objectContaining({ outcome: 'error', error: 'upstream gone' }),
      ]);

      second = await startTestServer({ dataDir, port });
      await aegis.flush(); // replays the spool
      await aegis.flush(); // a second replay attempt must not write anything twice
      const entries = await entriesOf(reviewerFor({ url, adminKey }), name);
      expect(entries.map((e) => [e.status, e.outcome])).toEqual([
        ['ALLOWED', 'error'],
        ['ERROR', null],
      ]);
      expect((await readFile(spoolPath, 'utf8')).trim()).toBe('');
    } finally {
      await aegis.close();
      await second?.stop();
      await first.close();
    }
  });

  it('a record the server refuses as a report (too old to take) is reported, recorded there, and holds nothing up', async () => {
    const server = await startTestServer({ inMemoryStore: true });
    const name = uniqueAgent('local-stale');
    await reviewerFor(server).sdk.registerAgent.mutate({ name, allows: ['ping'] });
    const spoolPath = path.join(scratch, 'stale.jsonl');
    const rule = { id: 'seed-allowed', scope: 'agent', version: 1 };
    const base = { agent: name, action: 'ping', status: 'ALLOWED', details: 'allowed', args: {}, policyVersion: 1, rule };
    const stale = { ...base, entryKey: 'stale-entry-key-01', callId: 'stale-call-id-01', decidedAt: new Date(Date.now() - 3 * 86_400_000).toISOString() };
    const fresh = { ...base, entryKey: 'fresh-entry-key-01', callId: 'fresh-call-id-01', decidedAt: new Date().toISOString() };
    await writeFile(spoolPath, `${JSON.stringify(stale)}\n${JSON.stringify(fresh)}\n`);
    const aegis = sdkFor(server, { mode: 'local', spoolPath });
    try {
      await aegis.agent(name, { allows: ['ping'] }).register();
      await aegis.flush();
      const entries = await entriesOf(reviewerFor(server), name);
      expect(entries.map((e) => [e.status, e.callId ?? e.action])).toEqual([
        ['VIOLATION', 'ping'],
        ['ALLOWED', 'fresh-call-id-01'],
      ]);
      expect(aegis.backgroundErrors.map(String)).toEqual([expect.stringContaining('stale-entry-key-01')]);
      expect((await readFile(spoolPath, 'utf8')).trim()).toBe('');
    } finally {
      await aegis.close();
      await server.close();
    }
  });

  it('an outcome whose entry the server does not have is reported, and holds nothing up', async () => {
    const server = await startTestServer({ inMemoryStore: true });
    const name = uniqueAgent('local-orphan');
    await reviewerFor(server).sdk.registerAgent.mutate({ name, allows: ['ping'] });
    // A spool left by an earlier run whose server has since lost the first record (a wiped
    // audit log): its outcome can never be applied; the record after it must still ship.
    const spoolPath = path.join(scratch, 'orphan.jsonl');
    const orphan = { entryKey: 'orphaned-entry-key', outcome: 'ok', durationMs: 3 };
    const record = {
      entryKey: 'kept-entry-key-0001',
      agent: name,
      action: 'ping',
      status: 'ALLOWED',
      details: 'allowed',
      callId: 'kept-call-id-0001',
      args: {},
      decidedAt: new Date().toISOString(),
      policyVersion: 1,
      rule: { id: 'seed-allowed', scope: 'agent', version: 1 },
      outcome: 'ok',
      durationMs: 2,
    };
    await writeFile(spoolPath, `${JSON.stringify(orphan)}\n${JSON.stringify(record)}\n`);
    const aegis = sdkFor(server, { mode: 'local', spoolPath });
    try {
      await aegis.agent(name, { allows: ['ping'] }).register();
      await aegis.flush();
      const entries = await entriesOf(reviewerFor(server), name);
      expect(entries.map((e) => [e.callId, e.outcome])).toEqual([['kept-call-id-0001', 'ok']]);
      expect(aegis.backgroundErrors.map(String)).toEqual([
        expect.stringContaining('orphaned-entry-key'),
      ]);
      expect((await readFile(spoolPath, 'utf8')).trim()).toBe('');
    } finally {
      await aegis.close();
      await server.close();
    }
  });
});

describe('local mode records of gateway calls', () => {
  it('keep the channel and the upstream tool that ran, in the hash chain too', async () => {
    const server = await startTestServer({ inMemoryStore: true });
    const aegis = sdkFor(
      { url: server.url, adminKey: server.adminKey },
      { mode: 'local', spoolPath: path.join(scratch, 'gateway.jsonl'), flushIntervalMs: 600_000 },
    );
    const name = uniqueAgent('local-gateway');
    try {
      const handle = aegis.agent(name, { allows: ['crm.lookup_customer'] });
      await handle.call('crm.lookup_customer', { id: 1 }, () => 'ok', {
        channel: 'mcp',
        upstream: 'crm',
        upstreamTool: 'lookup customer',
      });
      await aegis.flush();
      const reviewer = reviewerFor(server);
      const [entry] = await entriesOf(reviewer, name);
      expect(entry).toMatchObject({
        status: 'ALLOWED',
        channel: 'mcp',
        upstream: 'crm',
        upstreamTool: 'lookup customer',
      });
      expect(await reviewer.audit.verify.query()).toMatchObject({ ok: true });
    } finally {
      await aegis.close();
      await server.close();
    }
  });
});
