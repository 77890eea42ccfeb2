/**
 * Issue 12, finding 5: an agent can't stall the approval queue. A call's arguments are limited
 * (AEGIS_MAX_ARGS_BYTES, 64 KiB): larger ones get 413 naming the limit, and the refusal is on
 * record.
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
