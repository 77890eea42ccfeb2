/**
 * Done-means 3: an approval is bound to agent, action, the canonical hash of the arguments and the
 * policy version; it is single-use, expires, records who decided, and an agent key can't decide.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey, rest, trpc, type Credential, data } from './harness';

let server: TestServer;
let admin: Credential;
let reviewer: Credential;
let agent: Credential;

interface Decision {
  verdict: string;
  approvalId: number | null;
  reason: string;
}
interface Approval {
  id: number;
  status: string;
  decidedBy: string | null;
  consumedAt: string | null;
}

async function decide(
  action: string,
  args: Record<string, unknown>,
  who = agent,
): Promise<Decision> {
  return data<Decision>(
    await trpc(server.url, 'sdk.decide', 'mutation', { agent: 'payer', action, args }, who),
  );
}

async function approve(
  id: number,
  decision: 'APPROVED' | 'DENIED' = 'APPROVED',
): Promise<Approval> {
  return data<Approval>(
    await trpc(server.url, 'approvals.decide', 'mutation', { id, decision }, reviewer),
  );
}

async function byId(id: number): Promise<Approval> {
  return data<Approval>(await trpc(server.url, 'approvals.byId', 'query', { id }, admin));
}

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = { kind: 'bearer', key: server.adminKey };
  reviewer = { kind: 'bearer', key: (await createKey(server, 'rita', 'reviewer')).key };
  agent = { kind: 'bearer', key: (await createKey(server, 'payer-bot', 'agent', ['payer'])).key };
  data(
    await trpc(
      server.url,
      'sdk.registerAgent',
      'mutation',
      { name: 'payer', allows: ['read'], review: ['pay', 'refund'] },
      agent,
    ),
  );
});

afterAll(async () => {
  await server?.close();
});

describe('approvals', () => {
  it('binds an approval to its arguments, and uses it once', async () => {
    const first = await decide('pay', { to: 'alice', amount: 10 });
    expect(first.verdict).toBe('REVIEW');
    const approved = await approve(first.approvalId!);
    expect(approved).toMatchObject({ status: 'APPROVED', decidedBy: 'rita' });

    // Different arguments: a new review, not the approved one.
    const other = await decide('pay', { to: 'mallory', amount: 10_000 });
    expect(other.verdict).toBe('REVIEW');
    expect(other.approvalId).not.toBe(first.approvalId);
    // The same arguments for another action don't count either.
    const otherAction = await decide('refund', { to: 'alice', amount: 10 });
    expect(otherAction.verdict).toBe('REVIEW');

    // The same arguments in another key order: canonically equal, so allowed — once.
    const redeemed = await decide('pay', { amount: 10, to: 'alice' });
    expect(redeemed).toMatchObject({ verdict: 'ALLOWED', approvalId: first.approvalId });
    expect((await byId(first.approvalId!)).consumedAt).not.toBeNull();
    const again = await decide('pay', { to: 'alice', amount: 10 });
    expect(again.verdict).toBe('REVIEW');
    expect(again.approvalId).not.toBe(first.approvalId);
  });

  it('lets exactly one of many concurrent calls use an approval', async () => {
    const opened = await decide('pay', { to: 'bob', amount: 5 });
    await approve(opened.approvalId!);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => decide('pay', { to: 'bob', amount: 5 })),
    );
    expect(results.filter((d) => d.verdict === 'ALLOWED')).toHaveLength(1);
  });

  it('never lets an agent key decide, over tRPC or REST', async () => {
    const opened = await decide('pay', { to: 'carol', amount: 7 });
    const id = opened.approvalId!;
    const attempts = [
      await trpc(server.url, 'approvals.decide', 'mutation', { id, decision: 'APPROVED' }, agent),
      await rest(server.url, 'POST', `/sdk/decide-approval/${id}`, { decision: 'APPROVED' }, agent),
      await rest(server.url, 'POST', `/approvals/${id}/decide`, { decision: 'APPROVED' }, agent),
      await rest(
        server.url,
        'POST',
        `/sdk/decide-approval/${id}`,
        { decision: 'APPROVED' },
        { kind: 'basic', key: (agent as { key: string }).key },
      ),
    ];
    expect(attempts.map((a) => a.status)).toEqual([403, 403, 403, 403]);
    expect((await byId(id)).status).toBe('PENDING');
    expect((await decide('pay', { to: 'carol', amount: 7 })).verdict).toBe('REVIEW');
  });

  it('refuses to decide twice', async () => {
    const opened = await decide('pay', { to: 'dave', amount: 1 });
    await approve(opened.approvalId!, 'DENIED');
    const second = await trpc(
      server.url,
      'approvals.decide',
      'mutation',
      { id: opened.approvalId, decision: 'APPROVED' },
      reviewer,
    );
    expect(second.status).toBe(409);
    expect((await byId(opened.approvalId!)).status).toBe('DENIED');
  });

  it('refuses an expired approval, whether pending or already approved', async () => {
    const approvals = server.store.connection.collection('approvals');
    const pending = await decide('pay', { to: 'erin', amount: 2 });
    await approvals.updateOne(
      { id: pending.approvalId },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    const late = await trpc(
      server.url,
      'approvals.decide',
      'mutation',
      { id: pending.approvalId, decision: 'APPROVED' },
      reviewer,
    );
    expect(late.status).toBe(409);
    expect(JSON.stringify(late.body)).toMatch(/expired/);
    expect((await byId(pending.approvalId!)).status).toBe('EXPIRED');

    const approved = await decide('pay', { to: 'frank', amount: 3 });
    await approve(approved.approvalId!);
    await approvals.updateOne(
      { id: approved.approvalId },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    const after = await decide('pay', { to: 'frank', amount: 3 });
    expect(after.verdict).toBe('REVIEW');
    expect(after.approvalId).not.toBe(approved.approvalId);
  });

  it('does not carry an approval across a policy change', async () => {
    const opened = await decide('pay', { to: 'grace', amount: 4 });
    await approve(opened.approvalId!);
    data(
      await trpc(
        server.url,
        'policies.set',
        'mutation',
        { agent: 'payer', action: 'audit_books', rule: 'ALLOW' },
        admin,
      ),
    );
    const after = await decide('pay', { to: 'grace', amount: 4 });
    expect(after.verdict).toBe('REVIEW');
  });

  it('masks SSNs and card numbers in previews and approvals; only an admin reveals them', async () => {
    const args = { ssn: '123-45-6789', card: '4111 1111 1111 1111', note: 'order 1234567890123' };
    const opened = await decide('pay', args);
    const shown = JSON.stringify(await byId(opened.approvalId!));
    expect(shown).not.toContain('123-45-6789');
    expect(shown).not.toContain('4111 1111 1111 1111');
    expect(shown).toContain('1234567890123'); // not Luhn-valid: an ordinary number stays readable
    const log = await trpc(
      server.url,
      'audit.list',
      'query',
      { agent: 'payer', limit: 5 },
      reviewer,
    );
    expect(JSON.stringify(log.body)).not.toContain('123-45-6789');
    expect(JSON.stringify(log.body)).not.toMatch(/4111[ -]?1111[ -]?1111[ -]?1111/);
    expect(
      (await trpc(server.url, 'approvals.reveal', 'mutation', { id: opened.approvalId }, reviewer))
        .status,
    ).toBe(403);
    const revealed = data<{ args: typeof args }>(
      await trpc(server.url, 'approvals.reveal', 'mutation', { id: opened.approvalId }, admin),
    );
    expect(revealed.args).toEqual(args);
  });

  it('expires approvals after an hour by default', async () => {
    const opened = await decide('pay', { to: 'heidi', amount: 6 });
    const found = data<Approval & { createdAt: string; expiresAt: string }>(
      await trpc(server.url, 'approvals.byId', 'query', { id: opened.approvalId }, admin),
    );
    // createdAt and expiresAt are stamped a moment apart; the lifetime is the hour either way.
    expect(
      Math.abs(Date.parse(found.expiresAt) - Date.parse(found.createdAt) - 3600_000),
    ).toBeLessThan(60_000);
  });
});
