import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/testServer';
import { call, createKey } from './restClient';

/** Rule policies as code over REST: the same operations as `aegis policy` and tRPC's `policies.*`. */
let server: Awaited<ReturnType<typeof startTestServer>>;
let admin: string;

const LOANS = `
kind: AgentPolicy
agent: rest_loans
rules:
  - id: transfers
    actions: [transfer_funds]
    effect: ALLOW
  - id: big-transfers
    actions: [transfer_funds]
    when: args.amount > 1000.0
    effect: REVIEW
`;

beforeAll(async () => {
  server = await startTestServer();
  admin = server.adminKey;
  const registered = await call(server.url, '/sdk/register-agent', { method: 'POST', key: admin, body: { name: 'rest_loans' } });
  expect(registered.status).toBe(200);
});
afterAll(() => server?.close());

describe('REST /policy-documents', () => {
  it('apply (dry run, then for real), read, history, try, replay and rollback', async () => {
    const post = (path: string, body: unknown, key: string | null = admin) => call(server.url, path, { method: 'POST', key, body });
    const get = (path: string, key: string | null = admin) => call(server.url, path, { key });

    const dry = await post('/policy-documents/apply', { yaml: LOANS, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ ok: true, dryRun: true, policies: [{ agent: 'rest_loans', changed: true }] });
    const before = (await get('/policy-documents?agent=rest_loans')).body as { version: number; document: unknown };
    expect(before.document).toBeNull();

    const applied = await post('/policy-documents/apply', { yaml: LOANS, message: 'over REST' });
    expect(applied.body).toMatchObject({ ok: true, policies: [{ version: before.version + 1 }] });
    const stored = await get('/policy-documents?agent=rest_loans');
    expect(stored.body).toMatchObject({ agent: 'rest_loans', version: before.version + 1, message: 'over REST' });
    expect((await get('/policy-documents')).body).toMatchObject({ agent: null, document: null });

    const history = await get('/policy-documents/history?agent=rest_loans&limit=5');
    expect((history.body as Array<{ message: string | null }>)[0]?.message).toBe('over REST');

    const tried = await post('/policy-documents/try', { agent: 'rest_loans', action: 'transfer_funds', args: { amount: 5000 } });
    expect(tried.body).toMatchObject({ ok: true, verdict: 'REVIEW', rule: { id: 'big-transfers' } });

    const decided = await post('/sdk/decide', { agent_name: 'rest_loans', action: 'transfer_funds', args: { amount: 5000 } });
    expect(decided.body).toMatchObject({ verdict: 'REVIEW' });
    const replay = await post('/policy-documents/replay', { yaml: LOANS.replace('1000.0', '10000.0'), sinceHours: 1 });
    expect(replay.body).toMatchObject({ ok: true, changed: 1 });

    await post('/policy-documents/apply', { yaml: LOANS.replace('1000.0', '2000.0') });
    const rolled = await post('/policy-documents/rollback', { agent: 'rest_loans', version: before.version + 1 });
    expect(rolled.body).toMatchObject({ agent: 'rest_loans', version: before.version + 3, changed: true });
    expect((await get('/policy-documents?agent=rest_loans')).body).toMatchObject({ message: `rollback to v${before.version + 1}` });
  });

  it('problems come back with positions; bad input and missing power are 4xx with a detail', async () => {
    const post = (path: string, body: unknown, key: string | null = admin) => call(server.url, path, { method: 'POST', key, body });
    const broken = await post('/policy-documents/apply', { yaml: LOANS.replace('> 1000.0', '>> 1000.0') });
    expect(broken.status).toBe(200);
    const problems = (broken.body as { ok: boolean; problems: Array<{ line?: number; column?: number; text: string }> }).problems;
    expect(problems[0]).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });

    const missing = await post('/policy-documents/rollback', { agent: 'rest_loans', version: 999 });
    expect(missing.status).toBe(404);
    expect((missing.body as { detail: string }).detail).toMatch(/no version 999/);
    expect((await post('/policy-documents/apply', { yaml: '' })).status).toBe(400);
    expect((await call(server.url, '/policy-documents?agent=nobody', { key: admin })).status).toBe(404);

    const viewer = await createKey(server.url, admin, 'viewer');
    const agentKey = await createKey(server.url, admin, 'agent', ['rest_loans']);
    expect((await call(server.url, '/policy-documents?agent=rest_loans', { key: viewer })).status).toBe(200);
    for (const key of [viewer, agentKey]) {
      expect((await post('/policy-documents/apply', { yaml: LOANS.replace('REVIEW', 'ALLOW') }, key)).status).toBe(403);
      expect((await post('/policy-documents/rollback', { agent: 'rest_loans', version: 1 }, key)).status).toBe(403);
    }
    expect((await post('/policy-documents/apply', { yaml: LOANS }, null)).status).toBe(401);
  });
});
