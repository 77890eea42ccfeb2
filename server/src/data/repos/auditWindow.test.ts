import mongoose, { type Connection } from 'mongoose';
import type { Document } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDb } from '../../../test/helpers/testDb';
import { createRepos, type Repos } from '.';
import { SMALL_WINDOW } from './audit.repo';

// Activity reads that match nothing (attack review 15): a time window holding no entries, or a
// common search word with one no entry has, asked by a viewer a few times at once, walked the
// whole log (or all of the common word's entries) and held every agent's decisions up behind the
// store. Each audit_log read an Activity page or count sends is re-run here through the
// store's explain: however long the log, a sparse window reads at most SMALL_WINDOW entries.
const db = useTestDb();
const LOG = SMALL_WINDOW * 2 + 500;
const DAY = Date.UTC(2026, 10, 20);
let repos: Repos;
let conn: Connection;
const finds: Document[] = [];

beforeAll(async () => {
  conn = await mongoose
    .createConnection(db.store.uri, { dbName: 'aegis', monitorCommands: true })
    .asPromise();
  conn.getClient().on('commandStarted', (event) => {
    if (event.commandName === 'find' && event.command.find === 'audit_log')
      finds.push(event.command);
  });
  repos = await createRepos(conn, { onAuditWritten: () => {} });
  // Most of the log on one day, a few entries on the next; nothing before or after.
  const at = (i: number) =>
    i < 20 ? new Date(DAY + 86_400_000 + i * 1000) : new Date(DAY + (i % 80_000) * 1000);
  for (let from = 0; from < LOG; from += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, LOG - from) }, (_, k) =>
        repos.audit.write({
          timestamp: at(from + k),
          agent: 'teller',
          action: 'read',
          status: 'ALLOWED',
          source: 'agent',
          details: `commonword ${from + k}`,
          callId: null,
          approvalId: null,
          argsPreview: null,
        }),
      ),
    );
  }
}, 120_000);

/** How many entries the store examined for each audit_log read `run` sent. */
async function examined(run: () => Promise<unknown>): Promise<number[]> {
  finds.length = 0;
  await run();
  const sent = finds.splice(0);
  expect(sent.length).toBeGreaterThan(0);
  return Promise.all(
    sent.map(async ({ find, filter, sort, hint, limit, projection }: Document) => {
      const plan = (await conn.db!.command({
        explain: { find, filter, sort, hint, limit, projection },
        verbosity: 'executionStats',
      })) as { executionStats: { totalDocsExamined: number } };
      return plan.executionStats.totalDocsExamined;
    }),
  );
}

describe('Activity in a time window', () => {
  it('a window with no entries reads at most SMALL_WINDOW of them, page and count', async () => {
    const empty = { from: '2001-01-01T00:00:00Z', to: '2001-01-02T00:00:00Z' };
    expect(await repos.audit.list({ ...empty, limit: 200 })).toEqual({
      entries: [],
      nextCursor: null,
    });
    for (const n of await examined(() => repos.audit.list({ ...empty, limit: 200 })))
      expect(n).toBeLessThanOrEqual(SMALL_WINDOW);
    for (const n of await examined(() => repos.audit.count(empty)))
      expect(n).toBeLessThanOrEqual(SMALL_WINDOW);
    const future = { from: '2099-01-01T00:00:00Z', search: 'commonword' };
    for (const n of await examined(() => repos.audit.list({ ...future, limit: 50 })))
      expect(n).toBeLessThanOrEqual(SMALL_WINDOW);
  });

  it('a sparse window still lists its entries newest first, paged, and counts them', async () => {
    const nextDay = {
      from: new Date(DAY + 86_400_000).toISOString(),
      to: new Date(DAY + 2 * 86_400_000).toISOString(),
    };
    const first = await repos.audit.list({ ...nextDay, limit: 15 });
    expect(first.entries.map((e) => e.details)).toEqual(
      Array.from({ length: 15 }, (_, k) => `commonword ${19 - k}`),
    );
    const rest = await repos.audit.list({ ...nextDay, limit: 15, cursor: first.nextCursor! });
    expect(rest.entries.map((e) => e.details)).toEqual(
      Array.from({ length: 5 }, (_, k) => `commonword ${4 - k}`),
    );
    expect(rest.nextCursor).toBeNull();
    expect(await repos.audit.count(nextDay)).toMatchObject({ count: 20, exact: true });
    for (const n of await examined(() => repos.audit.list({ ...nextDay, limit: 15 })))
      expect(n).toBeLessThanOrEqual(SMALL_WINDOW);
  });

  it('a full window is read as before: the newest page, and a count', async () => {
    const all = { from: new Date(DAY - 1000).toISOString() };
    const page = await repos.audit.list({ ...all, limit: 3 });
    expect(page.entries).toHaveLength(3);
    expect(page.entries[0]!.id).toBeGreaterThan(page.entries[2]!.id);
    expect(await repos.audit.count(all)).toMatchObject({ count: LOG, exact: true });
  });
});

describe('Activity search', () => {
  it('a common word with one no entry has: the word index is read by the rare word, page and count', async () => {
    // The longer word is the common one: it used to lead the read, and every entry it yields was
    // fetched and dropped. (The store's explain doesn't count those, so the reads sent are checked:
    // the word the index is read by — the filter's own `terms` — must be the rare one.)
    const search = { search: 'commonword absent' };
    const leads = async (run: () => Promise<unknown>) => {
      finds.length = 0;
      await run();
      // the reads of both words (the measuring reads name one word each, and no `$and`)
      return finds
        .splice(0)
        .filter((f) => (f.filter as { $and?: unknown }).$and)
        .map((f) => (f.filter as { terms?: unknown }).terms);
    };
    expect(await leads(() => repos.audit.list({ ...search, limit: 50 }))).toEqual(['absent']);
    expect(await leads(() => repos.audit.count(search))).toEqual(['absent']);
    expect((await repos.audit.list({ ...search, limit: 50 })).entries).toEqual([]);
  });

  it('still finds entries by all their words, whichever word is rarer', async () => {
    const page = await repos.audit.list({ search: 'commonword 4499', limit: 5 });
    expect(page.entries.map((e) => e.details)).toEqual(['commonword 4499']);
    expect(await repos.audit.count({ search: '4499 commonword' })).toMatchObject({ count: 1 });
  });
});
