import type { CommandStartedEvent, CommandSucceededEvent, Long } from 'mongodb';
import { createTRPCClient, httpLink } from '@trpc/client';
import { expect, it } from 'vitest';
import type { AppRouter } from '../src/routers/_app';
import { useFixture, useTestServer } from './helpers/useTestServer';

// Governance evaluation reads the whole audit log, and the embedded store runs in the server's
// own thread: read in one stretch (an aggregate over every entry), it held every request — a
// decision, the kill-switch, a health check — until it was done (issue 18; bench scenario 13).
// Here the requests are sent once the evaluation has started reading the log, and must be
// answered before it has finished reading it. No clock: the order of events decides.
// With the analytics rollups kept (the default) an evaluation reads no entry at all (the
// rollups' all-time facts, governance.test.ts): this is the server without them
// (AEGIS_ROLLUPS=off), or while they are being rebuilt.

const ENTRIES = 20_000;
const server = useTestServer({ inMemoryStore: true, rollups: false });

const api = useFixture(
  async () => {
    const s = server();
    const client = createTRPCClient<AppRouter>({
      links: [
        httpLink({ url: `${s.url}/trpc`, headers: { authorization: `Bearer ${s.adminKey}` } }),
      ],
    });
    for (const name of ['gov-teller', 'gov-clerk'])
      await client.sdk.registerAgent.mutate({
        name,
        owner: name === 'gov-teller' ? 'ops@bank.example' : '',
        allows: ['lookup', 'export'],
        blocks: ['wipe'],
        tools: [
          { name: 'lookup', tags: ['pii'] },
          { name: 'export', tags: ['pii', 'external'] },
          { name: 'wipe', tags: ['destructive'] },
        ],
      });
    // A log of calls written straight into the store (as bench scenario 6 does), ids past the
    // server's counter so its own writes never collide with them.
    const db = s.store.connection.db!;
    const counters = db.collection<{ _id: string; seq: number }>('counters');
    let id = ((await counters.findOne({ _id: 'audit_log' }))?.seq ?? 0) + 1_000;
    const start = Date.now() - 7 * 86_400_000;
    for (let done = 0; done < ENTRIES; done += 1_000) {
      const docs = Array.from({ length: 1_000 }, (_, i) => {
        id++;
        const n = done + i;
        return {
          id,
          timestamp: new Date(start + n * 1_000),
          agent: n % 2 ? 'gov-teller' : 'gov-clerk',
          action: ['lookup', 'export', 'wipe'][n % 3],
          status: n % 3 === 2 ? 'BLOCKED' : 'ALLOWED',
          source: 'server',
          actor: null,
          details: 'Policy check passed',
          callId: `gov-${id}`,
          approvalId: null,
          argsPreview: `{"customer_id":${n % 1000},"memo":"invoice INV-${n}"}`,
          callArgs: `{"customer_id":${n % 1000},"memo":"invoice INV-${n}"}`,
          prevHash: '0'.repeat(64),
          hash: 'f'.repeat(64),
          outcome: null,
          durationMs: null,
          runId: `run-${Math.floor(n / 4)}`,
          ...(n % 50 === 0 ? { findings: [{ detector: 'us_ssn', count: 1 }] } : {}),
        };
      });
      await db.collection('audit_log').insertMany(docs);
    }
    await counters.updateOne({ _id: 'audit_log' }, { $set: { seq: id } }, { upsert: true });
    return client;
  },
  () => undefined,
);

it('answers a health check and a decision while an evaluation reads the audit log', async () => {
  const s = server();
  const client = api();
  // Once before: the registrations' own evaluations are done, and the driver's connection pool
  // has grown to what an evaluation uses (so nothing below waits on a new connection).
  await s.settle();
  const first = await s.services.governance.evaluate();
  expect(first.agents).toBe(2);

  // The evaluation's reads of the log, told apart from the decision's own by their filter (calls
  // only: `source: {$ne: 'person'}`) and, for the batches that follow a query, by cursor id.
  const events: string[] = [];
  const reads = new Set<number>();
  const cursors = new Set<string>();
  let sendRequests: (() => void) | undefined;
  const requestsSent = new Promise<void>((resolve) => (sendRequests = resolve));
  const mongo = s.store.connection.getClient();
  const started = (e: CommandStartedEvent) => {
    const c = e.command as Record<string, unknown>;
    const query = (c.find ?? c.aggregate ?? c.distinct) === 'audit_log';
    if (
      (query && JSON.stringify(c.filter ?? c.pipeline ?? c.query).includes('{"$ne":"person"}')) ||
      (e.commandName === 'getMore' && cursors.has((c.getMore as Long).toString()))
    )
      reads.add(e.requestId);
  };
  const succeeded = (e: CommandSucceededEvent) => {
    if (!reads.delete(e.requestId)) return;
    const cursor = (e.reply as { cursor?: { id?: Long } }).cursor?.id?.toString();
    if (cursor !== undefined && cursor !== '0') cursors.add(cursor);
    events.push('log read');
    // The evaluation is reading the log (one of its reads has come back): ask now.
    sendRequests?.();
  };
  mongo.on('commandStarted', started);
  mongo.on('commandSucceeded', succeeded);
  try {
    const evaluation = s.services.governance.evaluate().then((r) => {
      events.push('evaluated');
      return r;
    });
    await requestsSent;
    const health = fetch(`${s.url}/trpc/health.check`).then(async (r) => {
      expect(r.status).toBe(200);
      await r.arrayBuffer();
      events.push('health');
    });
    const decision = client.sdk.decide
      .mutate({ agent: 'gov-teller', action: 'lookup', args: { customer_id: 7 } })
      .then((d) => {
        expect(d.verdict).toBe('ALLOWED');
        events.push('decide');
      });
    const [result] = await Promise.all([evaluation, health, decision]);
    expect(result).toMatchObject({ agents: 2, open: first.open });

    // Both answered while the evaluation still had log to read (not after it read it all).
    const lastRead = events.lastIndexOf('log read');
    expect(events.indexOf('health'), events.join(', ')).toBeLessThan(lastRead);
    expect(events.indexOf('decide'), events.join(', ')).toBeLessThan(lastRead);
    expect(lastRead).toBeLessThan(events.indexOf('evaluated'));
  } finally {
    mongo.off('commandStarted', started);
    mongo.off('commandSucceeded', succeeded);
  }
});
