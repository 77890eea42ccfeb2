import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '@aegis/shared';
import { hashAuditEntry } from '../data/auditChain';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';
import { nextTracked } from '../../test/helpers/tracked';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  const admin = t.as(principals.admin);
  await admin.sdk.registerAgent({ name: 'LogA', allows: ['read'], blocks: ['drop'] });
  await admin.sdk.registerAgent({ name: 'LogB', allows: ['read'] });
  for (let i = 0; i < 6; i++)
    await admin.sdk.decide({ agent: 'LogA', action: i % 2 ? 'drop' : 'read', args: { i } });
  await admin.sdk.decide({ agent: 'LogB', action: 'read' });
});
afterAll(() => t.dispose());

describe('audit.list', () => {
  it('is newest first with sequential ids and seed severities', async () => {
    const page = await t.as(principals.viewer).audit.list({});
    expect(page.entries.map((e) => e.id)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(page.entries.find((e) => e.status === 'BLOCKED')!.severity).toBe('failure');
    expect(page.nextCursor).toBeNull();
  });

  it('filters by agent, status, action, text and time, and pages by cursor', async () => {
    const viewer = t.as(principals.viewer).audit;
    expect((await viewer.list({ agent: 'LogB' })).entries).toHaveLength(1);
    expect((await viewer.list({ status: ['BLOCKED'] })).entries).toHaveLength(3);
    expect((await viewer.list({ action: 'read', agent: 'LogA' })).entries).toHaveLength(3);
    expect((await viewer.list({ search: 'BLOCKS' })).entries).toHaveLength(3);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await viewer.list({ from: future })).entries).toHaveLength(0);
    expect((await viewer.list({ to: future })).entries).toHaveLength(7);
    const first = await viewer.list({ limit: 3 });
    expect(first.nextCursor).toBe(5);
    const second = await viewer.list({ limit: 3, cursor: first.nextCursor! });
    expect(second.entries.map((e) => e.id)).toEqual([4, 3, 2]);
  });

  it('rejects bad filters with BAD_REQUEST naming the field', async () => {
    // An invalid enum value on purpose.
    const err = await t
      .as(principals.viewer)
      .audit.list({ status: ['NOPE' as never] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    expect(String(err)).toContain('status');
    const err2 = await t
      .as(principals.viewer)
      .audit.list({ limit: 100000 })
      .catch((e: unknown) => e);
    expect(String(err2)).toContain('limit');
  });

  it('chains every entry to the one before it', async () => {
    const { entries } = await t.as(principals.viewer).audit.list({ limit: 200 });
    const ordered = [...entries].reverse();
    ordered.forEach((e, i) => {
      expect(e.prevHash).toBe(i === 0 ? null : ordered[i - 1]!.hash);
      expect(e.hash).toBe(hashAuditEntry(e));
    });
    expect(await t.as(principals.admin).audit.verify()).toMatchObject({ ok: true, firstBad: null });
  });
});

describe('audit.onEntry', () => {
  it('streams new entries (filtered by agent) and resumes after the last seen id without gaps', async () => {
    const viewer = t.as(principals.viewer);
    const live = (await viewer.audit.onEntry({ agent: 'LogB' }))[Symbol.asyncIterator]();
    const pulled = nextTracked<AuditEntry>(live);
    await new Promise((r) => setTimeout(r, 20));
    await t.as(principals.admin).sdk.decide({ agent: 'LogA', action: 'read' });
    const d = await t.as(principals.admin).sdk.decide({ agent: 'LogB', action: 'read' });
    const first = await pulled;
    expect(first.data).toMatchObject({ id: d.auditId, agent: 'LogB' });
    await live.return?.();

    // Three entries while disconnected; the resumed stream yields exactly those, in order.
    const missed: number[] = [];
    for (let i = 0; i < 3; i++)
      missed.push(
        (await t.as(principals.admin).sdk.decide({ agent: 'LogB', action: 'read' })).auditId,
      );
    const resumed = (await viewer.audit.onEntry({ agent: 'LogB', lastEventId: first.id }))[
      Symbol.asyncIterator
    ]();
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push((await nextTracked<AuditEntry>(resumed)).data.id);
    expect(got).toEqual(missed);
    await resumed.return?.();
  });
});

describe('audit.onEntry with recentMs', () => {
  it('starts a new subscriber with the entries of the last milliseconds asked for, then live ones', async () => {
    const admin = t.as(principals.admin);
    const viewer = t.as(principals.viewer);
    const before = (await admin.sdk.decide({ agent: 'LogB', action: 'read', args: { n: 1 } }))
      .auditId;
    const written = (await admin.sdk.decide({ agent: 'LogB', action: 'read', args: { n: 2 } }))
      .auditId;
    await new Promise((r) => setTimeout(r, 30));

    // The window reaches back past both entries (and this file's earlier ones): oldest first.
    const recent = (await viewer.audit.onEntry({ agent: 'LogB', recentMs: 60_000 }))[
      Symbol.asyncIterator
    ]();
    const replayed: number[] = [];
    for (let id = 0; id !== written;)
      replayed.push((id = (await nextTracked<AuditEntry>(recent)).data.id));
    expect(replayed.slice(-2)).toEqual([before, written]);
    expect(replayed).toEqual([...replayed].sort((a, b) => a - b));
    // then live entries, with no repeat
    const live = (await admin.sdk.decide({ agent: 'LogB', action: 'read', args: { n: 3 } }))
      .auditId;
    expect((await nextTracked<AuditEntry>(recent)).data.id).toBe(live);
    await recent.return?.();

    // A window that ends before the entries replays nothing: the first item is the next entry.
    const none = (await viewer.audit.onEntry({ agent: 'LogB', recentMs: 1 }))[
      Symbol.asyncIterator
    ]();
    const pulled = nextTracked<AuditEntry>(none);
    await new Promise((r) => setTimeout(r, 20));
    const next = (await admin.sdk.decide({ agent: 'LogB', action: 'read', args: { n: 4 } }))
      .auditId;
    expect((await pulled).data.id).toBe(next);
    await none.return?.();
  });

  it('refuses a window longer than a minute', async () => {
    await expect(
      t.as(principals.viewer).audit.onEntry({ recentMs: 3_600_000 }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

// Last: it writes an entry with DLP findings, which the chain test above recomputes without.
describe('audit.list search', () => {
  it('searches inside the masked arguments and the outcome, never the unmasked values', async () => {
    const viewer = t.as(principals.viewer).audit;
    const found = await viewer.list({ search: '"i":4' });
    expect(found.entries.map((e) => e.argsPreview)).toEqual(['{"i":4}']);
    const admin = t.as(principals.admin);
    await admin.sdk.decide({ agent: 'LogB', action: 'read', args: { ssn: '123-45-6789' } });
    expect((await viewer.list({ search: '6789' })).entries).toHaveLength(1);
    expect((await viewer.list({ search: '123-45' })).entries).toHaveLength(0);
    // regex characters are literal
    expect((await viewer.list({ search: '.*' })).entries).toHaveLength(0);
  });

  it('finds whole words and parts of compounds, every word of the search, newest first and paged', async () => {
    const admin = t.as(principals.admin);
    const viewer = t.as(principals.viewer).audit;
    for (let i = 0; i < 5; i++)
      await admin.sdk.decide({
        agent: 'LogA',
        action: 'read',
        args: { customer_id: 1040 + i, note: 'Wire-Transfer' },
      });
    const all = await viewer.list({ search: 'CUSTOMER_ID' });
    expect(all.entries.map((e) => e.argsPreview)).toEqual(
      [1044, 1043, 1042, 1041, 1040].map((n) => `{"customer_id":${n},"note":"Wire-Transfer"}`),
    );
    expect((await viewer.list({ search: 'customer' })).entries).toHaveLength(5);
    expect(
      (await viewer.list({ search: 'transfer 1042' })).entries.map((e) => e.argsPreview),
    ).toEqual([expect.stringContaining('1042')]);
    expect((await viewer.list({ search: 'transfer 9999' })).entries).toHaveLength(0);
    expect((await viewer.list({ search: 'custom' })).entries).toHaveLength(0);
    const first = await viewer.list({ search: 'wire-transfer', limit: 2 });
    const next = await viewer.list({
      search: 'wire-transfer',
      limit: 2,
      cursor: first.nextCursor!,
    });
    const paged = [...first.entries, ...next.entries].map(
      (e) => e.argsPreview?.match(/\d{4}/)?.[0],
    );
    expect(paged).toEqual(['1044', '1043', '1042', '1041']);
    // combined with the other filters
    expect((await viewer.list({ search: 'customer', agents: ['LogB'] })).entries).toHaveLength(0);
    expect(
      (await viewer.list({ search: 'customer', agents: ['LogB', 'LogA'], status: ['ALLOWED'] }))
        .entries,
    ).toHaveLength(5);
  });

  it('filters by several agents and by the deciding rule', async () => {
    const viewer = t.as(principals.viewer).audit;
    const both = await viewer.list({ agents: ['LogA', 'LogB'], limit: 200 });
    expect(new Set(both.entries.map((e) => e.agent))).toEqual(new Set(['LogA', 'LogB']));
    const blocked = (await viewer.list({ agent: 'LogA', status: ['BLOCKED'] })).entries[0]!;
    expect(blocked.rule?.id).toBeTruthy();
    const byRule = await viewer.list({ rule: blocked.rule!.id, limit: 200 });
    expect(byRule.entries.length).toBeGreaterThan(0);
    expect(byRule.entries.every((e) => e.rule?.id === blocked.rule!.id)).toBe(true);
    expect((await viewer.list({ rule: 'no-such-rule' })).entries).toHaveLength(0);
  });
});
