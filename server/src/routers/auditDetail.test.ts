import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

// The dashboard's entry detail: one call's decision, the person's decision on its approval and
// the call that approval let through come back as one trace, with the approval and its decider.

let t: TestContext;
let pendingId: number;
let allowedId: number;
beforeAll(async () => {
  t = await createTestContext();
  const admin = t.as(principals.admin);
  await admin.sdk.registerAgent({ name: 'Tracer', allows: ['read'], blocks: ['drop'] });
  await admin.sdk.decide({ agent: 'Tracer', action: 'read', args: { n: 1 } });
  const review = await admin.sdk.decide({ agent: 'Tracer', action: 'wire', args: { ssn: '123-45-6789' } });
  pendingId = review.auditId;
  await t.as(principals.reviewer).approvals.decide({ id: review.approvalId!, decision: 'APPROVED' });
  const ran = await admin.sdk.decide({ agent: 'Tracer', action: 'wire', args: { ssn: '123-45-6789' } });
  allowedId = ran.auditId;
  await admin.sdk.complete({ callId: ran.callId, outcome: 'ok', durationMs: 5 });
  await admin.sdk.decide({ agent: 'Tracer', action: 'drop', args: {} });
});
afterAll(() => t.dispose());

describe('audit.detail', () => {
  it('links the decision, the approval, the person who decided it and the call it let through', async () => {
    const d = await t.as(principals.viewer).audit.detail({ id: pendingId });
    expect(d.entry.status).toBe('PENDING');
    expect(d.trace.map((e) => e.status)).toEqual(['PENDING', 'APPROVED', 'ALLOWED']);
    expect(d.trace.map((e) => e.id)).toEqual([...d.trace.map((e) => e.id)].sort((a, b) => a - b));
    expect(d.trace[1]).toMatchObject({ source: 'person', actor: 'rita-reviewer' });
    expect(d.approval).toMatchObject({ status: 'APPROVED', decidedBy: 'rita-reviewer' });
    expect(d.policyVersion).toBe(d.approval!.policyVersion);
    // masked as everywhere else
    expect(JSON.stringify(d)).not.toContain('123-45-6789');
    // the same trace from the executed call, with its outcome
    const fromRun = await t.as(principals.viewer).audit.detail({ id: allowedId });
    expect(fromRun.trace.map((e) => e.id)).toEqual(d.trace.map((e) => e.id));
    expect(fromRun.entry).toMatchObject({ outcome: 'ok', durationMs: 5 });
  });

  it("shows the agent's neighbouring entries and the policy version of a plain decision", async () => {
    const d = await t.as(principals.viewer).audit.detail({ id: pendingId });
    expect(d.before.every((e) => e.id < pendingId && e.agent === 'Tracer')).toBe(true);
    expect(d.before.map((e) => e.action)).toContain('read');
    expect(d.after[0]!.id).toBeGreaterThan(pendingId);
    const blocked = (await t.as(principals.viewer).audit.list({ status: ['BLOCKED'] })).entries[0]!;
    const plain = await t.as(principals.viewer).audit.detail({ id: blocked.id });
    expect(plain.trace.map((e) => e.id)).toEqual([blocked.id]);
    expect(plain.approval).toBeNull();
    expect(plain.policyVersion).toBeGreaterThanOrEqual(1);
  });

  it('answers NOT_FOUND for an unknown id and BAD_REQUEST for a malformed one', async () => {
    const viewer = t.as(principals.viewer).audit;
    await expect(viewer.detail({ id: 999_999 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const id of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, '1' as never, null as never]) {
      const err = await viewer.detail({ id }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BAD_REQUEST' });
      expect(String(err)).toContain('id');
    }
  });

  it('is for people: agent keys and anonymous callers are refused', async () => {
    await expect(t.as(principals.agent('Tracer')).audit.detail({ id: pendingId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(t.as(null).audit.detail({ id: pendingId })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
