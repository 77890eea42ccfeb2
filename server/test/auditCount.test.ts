import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditCountQuery } from '@aegis/shared';
import { startTestServer, type TestServer } from './helpers/testServer';
import { trpcClient } from './helpers/trpcClient';

// Activity says how many entries its filter holds ("1–50 of 2,318"): counted through an index
// when one holds the filter, else by reading at most 10,000 ids — "more than" beyond, never a
// walk of the whole log for a page view.
let server: TestServer;
let admin: ReturnType<typeof trpcClient>;
beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = trpcClient(server.url, server.adminKey);
  await admin.sdk.registerAgent.mutate({ name: 'Teller', allows: ['read'], blocks: ['drop'] });
  await admin.sdk.registerAgent.mutate({ name: 'Clerk', allows: ['read', 'file'] });
  for (let i = 0; i < 12; i++)
    await admin.sdk.decide.mutate({
      agent: 'Teller',
      action: i % 3 ? 'read' : 'drop',
      args: { customer_id: i },
    });
  for (let i = 0; i < 5; i++)
    await admin.sdk.decide.mutate({ agent: 'Clerk', action: i % 2 ? 'file' : 'wire', args: { i } });
  const viewer = await admin.keys.create.mutate({ name: 'vi', role: 'viewer', agents: null });
  for (let i = 0; i < 3; i++) await trpcClient(server.url).auth.login.mutate({ key: viewer.key });
});
afterAll(() => server.close());

/** What a filter lists, read page by page to the end (the count must agree with it). */
async function listed(query: AuditCountQuery): Promise<number[]> {
  const ids: number[] = [];
  let cursor: number | undefined;
  do {
    const page = await admin.audit.list.query({
      ...query,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    ids.push(...page.entries.map((e) => e.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

describe('audit.count', () => {
  it('agrees with what the filter lists, through an index or not, sign-ins left out or not', async () => {
    const hour = new Date(Date.now() - 3_600_000).toISOString();
    const filters: AuditCountQuery[] = [
      {},
      { signIns: 'exclude' },
      { signIns: 'only' },
      { agent: 'Teller' },
      { agents: ['Teller', 'Clerk'], signIns: 'exclude' },
      { status: ['BLOCKED'] },
      { status: ['ALLOWED', 'PENDING'], signIns: 'exclude' },
      { source: ['person'], signIns: 'exclude' },
      { agent: 'Teller', status: ['ALLOWED'] },
      { action: 'wire' },
      { search: 'customer_id' },
      { search: 'customer_id', agent: 'Teller', status: ['BLOCKED'] },
      { from: hour, signIns: 'exclude' },
      { search: '***' },
    ];
    for (const filter of filters) {
      const count = await admin.audit.count.query(filter);
      expect({ filter, ...count }).toMatchObject({
        filter,
        exact: true,
        count: (await listed(filter)).length,
      });
    }
    const newest = (await admin.audit.list.query({ limit: 1, signIns: 'include' })).entries[0]?.id;
    expect((await admin.audit.count.query({})).throughId).toBe(newest);
    expect((await admin.audit.count.query({ signIns: 'exclude' })).count).toBe(
      (await admin.audit.count.query({})).count - 3,
    );
  });

  it('counts a large filter exactly through its index, and says "more than 10,000" where it would have to read more', async () => {
    // 10,050 entries of one agent, written straight into the store: only their counting matters.
    const log = server.store.connection.collection('audit_log');
    const top = (await admin.audit.count.query({})).throughId;
    const at = new Date();
    const docs = Array.from({ length: 10_050 }, (_, i) => ({
      id: top + 1 + i,
      timestamp: at,
      agent: 'Bulk',
      action: 'read',
      status: 'ALLOWED',
      source: 'server',
      details: 'Policy allows read',
      hash: `h${i}`,
    }));
    for (let i = 0; i < docs.length; i += 2000) await log.insertMany(docs.slice(i, i + 2000));
    expect(await admin.audit.count.query({ agent: 'Bulk', signIns: 'exclude' })).toEqual({
      count: 10_050,
      exact: true,
      throughId: top + 10_050,
    });
    expect(await admin.audit.count.query({ agent: 'Bulk', action: 'read' })).toEqual({
      count: 10_000,
      exact: false,
      throughId: top + 10_050,
    });
  });

  it('is a 400 naming the field for a bad filter', async () => {
    await expect(admin.audit.count.query({ status: ['NOPE' as never] })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringContaining('status'),
    });
    await expect(trpcClient(server.url).audit.count.query({})).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
    });
  });
});
