/**
 * Issue 12, finding 5: an agent can't stall the approval queue. A call's arguments are limited
 * (AEGIS_MAX_ARGS_BYTES, 64 KiB): larger ones get 413 naming the limit, and the refusal is on
 * record. Lists page (default 50, max 200) and carry masked previews; the detail has it all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '@aegis/shared';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey, rest, trpc, type Credential, type HttpResult } from './harness';

let server: TestServer;
let admin: Credential;
let bot: Credential;

function data<T>(res: HttpResult): T {
  expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
  return (res.body as { result: { data: T } }).result.data;
}
const blob = (bytes: number) => ({ note: 'x'.repeat(bytes) });

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = { kind: 'bearer', key: server.adminKey };
  bot = { kind: 'bearer', key: (await createKey(server, 'bot', 'agent', ['bot'])).key };
  data(
    await trpc(
      server.url,
      'sdk.registerAgent',
      'mutation',
      { name: 'bot', review: ['upload'] },
      bot,
    ),
  );
});
afterAll(() => server?.close());

describe('arguments are bounded', () => {
  it('4.5 MB of arguments over tRPC: 413 naming the limit, on record as a refusal, no approval', async () => {
    const res = await trpc(
      server.url,
      'sdk.decide',
      'mutation',
      { agent: 'bot', action: 'upload', args: blob(4_500_000) },
      bot,
    );
    expect(res.status).toBe(413);
    expect(JSON.stringify(res.body)).toMatch(/over the 65536-byte limit \(AEGIS_MAX_ARGS_BYTES\)/);
    const { entries } = data<{ entries: AuditEntry[] }>(
      await trpc(server.url, 'audit.list', 'query', { agent: 'bot', limit: 1 }, admin),
    );
    expect(entries[0]).toMatchObject({ status: 'BLOCKED', source: 'server', action: 'upload' });
    expect(entries[0]?.argsPreview?.length).toBeLessThan(600);
    expect(
      data<unknown[]>(await trpc(server.url, 'approvals.pending', 'query', undefined, admin)),
    ).toEqual([]);
  });

  it('over REST, /sdk/decide and /sdk/approval alike', async () => {
    const decide = await rest(
      server.url,
      'POST',
      '/sdk/decide',
      { agent_name: 'bot', action: 'upload', args: blob(100_000) },
      bot,
    );
    expect(decide.status).toBe(413);
    expect((decide.body as { detail: string }).detail).toMatch(/65536-byte limit/);
    const approval = await rest(
      server.url,
      'POST',
      '/sdk/approval',
      { agent_name: 'bot', action: 'upload', args_json: JSON.stringify(blob(100_000)) },
      bot,
    );
    expect(approval.status).toBe(413);
    expect(
      (
        await rest(
          server.url,
          'POST',
          '/sdk/decide',
          { agent_name: 'bot', action: 'upload', args: blob(4_500_000) },
          bot,
        )
      ).status,
    ).toBe(413);
  });
});

describe('lists page and carry previews', () => {
  it('approvals.pending: 50 by default, at most 200, short previews; byId has the whole arguments', async () => {
    for (let i = 0; i < 60; i++) {
      data(
        await trpc(
          server.url,
          'sdk.decide',
          'mutation',
          { agent: 'bot', action: 'upload', args: { i, ...blob(60_000) } },
          bot,
        ),
      );
    }
    const res = await trpc(server.url, 'approvals.pending', 'query', undefined, admin);
    const page = data<Array<{ id: number; argsPreview: string; argsTruncated: boolean }>>(res);
    expect(page).toHaveLength(50);
    expect(JSON.stringify(res.body).length).toBeLessThan(250_000); // 50 × 60 KB would be 3 MB
    expect(page.every((a) => a.argsTruncated && a.argsPreview.length <= 2001)).toBe(true);
    const rest10 = data<Array<{ id: number }>>(
      await trpc(
        server.url,
        'approvals.pending',
        'query',
        { cursor: page.at(-1)?.id, limit: 200 },
        admin,
      ),
    );
    expect(rest10).toHaveLength(10);
    expect(
      (await trpc(server.url, 'approvals.pending', 'query', { limit: 201 }, admin)).status,
    ).toBe(400);

    const detail = data<{ args: { note: string } }>(
      await trpc(server.url, 'approvals.byId', 'query', { id: page[0]?.id }, admin),
    );
    expect(detail.args.note).toHaveLength(60_000);
  });

  it('REST lists page too; the audit log pages at most 200', async () => {
    const pending = await rest(server.url, 'GET', '/approvals/pending', undefined, admin);
    expect((pending.body as unknown[]).length).toBe(50);
    expect((pending.body as Array<{ args_truncated: boolean }>)[0]?.args_truncated).toBe(true);
    expect(
      (await rest(server.url, 'GET', '/approvals/pending?limit=500', undefined, admin)).status,
    ).toBe(400);
    const sdkPending = await rest(
      server.url,
      'GET',
      '/sdk/pending-approvals?limit=20',
      undefined,
      admin,
    );
    expect((sdkPending.body as { approvals: unknown[] }).approvals).toHaveLength(20);
    expect((await trpc(server.url, 'audit.list', 'query', { limit: 201 }, admin)).status).toBe(400);
    expect(
      (await rest(server.url, 'GET', '/sdk/audit-log?agent_name=bot&limit=201', undefined, admin))
        .status,
    ).toBe(400);
  });
});
