import { describe, expect, it } from 'vitest';
import { closeTransport, createTransport } from '../src/index';
import { uniqueAgent, useSdkServer, watchFor } from './helpers/server';

const t = useSdkServer();

describe('approval with edited arguments (issue 23)', () => {
  it('the agent runs the call with the arguments the reviewer approved, once; the record keeps both', async () => {
    const name = uniqueAgent('edited');
    const handle = t.aegis.agent(name, { review: ['wire'] });
    const ran: Array<{ amount: number; to: string }> = [];
    const wire = handle.guard(
      (q: { amount: number; to: string }) => {
        ran.push(q);
        return `sent ${q.amount} to ${q.to}`;
      },
      { action: 'wire' },
    );
    const created = await watchFor(t.aegis, (e) =>
      e.type === 'approval.created' && e.approval.agent === name ? e.approval.id : undefined,
    );
    const call = wire({ amount: 50_000, to: 'ACME' });
    const id = await created.event;
    const decided = await t.reviewer.approvals.decide.mutate({
      id,
      decision: 'APPROVED',
      editedArgs: { amount: 500, to: 'ACME' },
    });
    expect(decided.editedArgs).toEqual({ amount: 500, to: 'ACME' });

    await expect(call).resolves.toBe('sent 500 to ACME');
    expect(ran).toEqual([{ amount: 500, to: 'ACME' }]);
    const approval = await t.reviewer.approvals.byId.query({ id });
    expect(approval.args).toEqual({ amount: 50_000, to: 'ACME' });
    expect(approval.consumedAt).not.toBeNull();
    const log = await t.reviewer.audit.list.query({ agent: name, limit: 20 });
    const allowed = log.entries.find((e) => e.status === 'ALLOWED' && e.approvalId === id)!;
    expect(allowed.details).toContain('Approved with edited arguments');
    expect(allowed.argsPreview).toContain('500');

    // Used once: the same call again waits for a new approval, it does not run.
    const again = await t.aegis.api.sdk.decide.mutate({
      agent: name,
      action: 'wire',
      args: { amount: 50_000, to: 'ACME' },
    });
    expect(again.verdict).toBe('REVIEW');
    expect(ran).toHaveLength(1);
  });

  it('only an admin may edit arguments, and only to approve', async () => {
    const name = uniqueAgent('edited-roles');
    await t.aegis.agent(name, { review: ['wire'] }).register();
    const opened = await t.aegis.api.sdk.decide.mutate({
      agent: name,
      action: 'wire',
      args: { amount: 1 },
    });
    const keys = await t.reviewer.keys.create.mutate({ name: 'rita', role: 'reviewer' });
    const rita = createTransport({ url: t.server.url, apiKey: keys.key, requestTimeoutMs: 10_000 });
    try {
      await expect(
        rita.approvals.decide.mutate({
          id: opened.approvalId!,
          decision: 'APPROVED',
          editedArgs: { amount: 0 },
        }),
      ).rejects.toMatchObject({ data: { httpStatus: 403 } });
      await expect(
        t.reviewer.approvals.decide.mutate({
          id: opened.approvalId!,
          decision: 'DENIED',
          editedArgs: { amount: 0 },
        }),
      ).rejects.toMatchObject({ data: { httpStatus: 403 } });
    } finally {
      closeTransport(rita);
    }
  });
});
