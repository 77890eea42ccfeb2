import { describe, expect, it } from 'vitest';
import {
  AegisApprovalDeniedError,
  AegisApprovalPendingError,
  AegisApprovalTimeoutError,
} from '../src/index';
import { uniqueAgent, useSdkServer, watchFor } from './helpers/server';

const t = useSdkServer();

/** The id of the next approval the server creates for `agent`, seen as a reviewer would see it. */
async function nextApprovalFor(agent: string): Promise<{ event: Promise<number> }> {
  return watchFor(t.aegis, (e) =>
    e.type === 'approval.created' && e.approval.agent === agent ? e.approval.id : undefined,
  );
}

describe('human review', () => {
  it('waits for a reviewer who approves, then runs the call once', async () => {
    const name = uniqueAgent('review-ok');
    const handle = t.aegis.agent(name, { review: ['access_ssn'] });
    let runs = 0;
    const accessSsn = handle.guard(
      (q: { customerId: number }) => `ssn of ${q.customerId} (${++runs})`,
      { action: 'access_ssn' },
    );
    const created = await nextApprovalFor(name);
    const call = accessSsn({ customerId: 3 });
    const approvalId = await created.event;
    await t.reviewer.approvals.decide.mutate({ id: approvalId, decision: 'APPROVED' });
    await expect(call).resolves.toBe('ssn of 3 (1)');
    const approval = await t.reviewer.approvals.byId.query({ id: approvalId });
    expect(approval.consumedAt).not.toBeNull();
  });

  it('throws AegisApprovalDeniedError when the reviewer denies; the body never runs', async () => {
    const name = uniqueAgent('review-deny');
    const handle = t.aegis.agent(name, { review: ['export_customer_list'] });
    let ran = false;
    const exportList = handle.guard(() => (ran = true), { action: 'export_customer_list' });
    const created = await nextApprovalFor(name);
    const call = exportList().catch((e: unknown) => e);
    await t.reviewer.approvals.decide.mutate({ id: await created.event, decision: 'DENIED' });
    const error = await call;
    expect(error).toBeInstanceOf(AegisApprovalDeniedError);
    // what a caller logs says the call was denied, not that a review was opened
    const { reason, approvalId } = (error as AegisApprovalDeniedError).details;
    expect(reason).toBe(`Approval #${approvalId} was denied`);
    expect(ran).toBe(false);
  });

  it('non-blocking: throws pending with the approval id; a retry after approval runs, once', async () => {
    const name = uniqueAgent('review-nowait');
    const handle = t.aegis.agent(name, { review: ['access_credit_card'] });
    let runs = 0;
    const card = handle.guard((_q: { customerId: number }) => ++runs, {
      action: 'access_credit_card',
      wait: false,
    });
    const pending = await card({ customerId: 1 }).catch((e: unknown) => e);
    expect(pending).toBeInstanceOf(AegisApprovalPendingError);
    const approvalId = (pending as AegisApprovalPendingError).approvalId;
    await t.reviewer.approvals.decide.mutate({ id: approvalId, decision: 'APPROVED' });
    await expect(card({ customerId: 1 })).resolves.toBe(1);
    // Single use: the same call again needs a new approval.
    const again = await card({ customerId: 1 }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(AegisApprovalPendingError);
    expect((again as AegisApprovalPendingError).approvalId).not.toBe(approvalId);
    expect(runs).toBe(1);
  });

  it('an approval for arguments A does not authorize arguments B', async () => {
    const name = uniqueAgent('review-args');
    const handle = t.aegis.agent(name, { review: ['transfer'] });
    const transfer = handle.guard(
      (t: { to: string; amount: number }) => `sent ${t.amount} to ${t.to}`,
      { action: 'transfer', wait: false },
    );
    const pendingA = (await transfer({ to: 'alice', amount: 10 }).catch(
      (e: unknown) => e,
    )) as AegisApprovalPendingError;
    await t.reviewer.approvals.decide.mutate({ id: pendingA.approvalId, decision: 'APPROVED' });
    const b = await transfer({ to: 'mallory', amount: 10_000 }).catch((e: unknown) => e);
    expect(b).toBeInstanceOf(AegisApprovalPendingError);
    // Key order does not matter: the canonical hash of A's arguments still matches.
    await expect(transfer({ amount: 10, to: 'alice' })).resolves.toBe('sent 10 to alice');
  });

  it('the approval ends when the caller stops waiting (a reviewer sees the real deadline); one that will not wait leaves the TTL', async () => {
    const name = uniqueAgent('review-deadline');
    const handle = t.aegis.agent(name, { review: ['wire', 'wire_later'] });
    const wire = handle.guard(() => 'sent', { action: 'wire', timeoutMs: 120_000 });
    const created = await nextApprovalFor(name);
    const before = Date.now();
    const call = wire().catch((e: unknown) => e);
    const approvalId = await created.event;
    const waiting = await t.reviewer.approvals.byId.query({ id: approvalId });
    // two minutes and a 30 s grace, not the server's hour
    expect(Date.parse(waiting.expiresAt) - before).toBeGreaterThan(120_000);
    expect(Date.parse(waiting.expiresAt) - before).toBeLessThan(120_000 + 60_000);
    await t.reviewer.approvals.decide.mutate({ id: approvalId, decision: 'DENIED' });
    expect(await call).toBeInstanceOf(AegisApprovalDeniedError);

    const later = handle.guard(() => 'sent', { action: 'wire_later', wait: false, timeoutMs: 120_000 });
    const pending = (await later().catch((e: unknown) => e)) as AegisApprovalPendingError;
    const open = await t.reviewer.approvals.byId.query({ id: pending.approvalId });
    expect(Date.parse(open.expiresAt) - Date.now()).toBeGreaterThan(10 * 60_000);
  });

  it('times out as denied, logged TIMEOUT, and the approval expires', async () => {
    const name = uniqueAgent('review-timeout');
    const handle = t.aegis.agent(name, { review: ['connect_external'] });
    let ran = false;
    const connect = handle.guard(() => (ran = true), {
      action: 'connect_external',
      timeoutMs: 300,
    });
    const error = await connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AegisApprovalTimeoutError);
    expect(ran).toBe(false);
    const approvalId = (error as AegisApprovalTimeoutError).details.approvalId!;
    expect((error as AegisApprovalTimeoutError).details.reason).toBe(
      `Approval #${approvalId} was not decided in time`,
    );
    const approval = await t.reviewer.approvals.byId.query({ id: approvalId });
    expect(approval.status).toBe('EXPIRED');
    const { entries } = await t.reviewer.audit.list.query({ agent: name });
    expect(entries.map((e) => e.status)).toContain('TIMEOUT');
  });
});
