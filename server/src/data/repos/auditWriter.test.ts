import type { AuditEntry } from '@aegis/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../../test/helpers/testServer';
import { hashAuditEntry } from '../auditChain';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  await t.as(principals.admin).sdk.registerAgent({ name: 'W', allows: ['x'] });
});
afterAll(() => t.dispose());

describe('audit writer', () => {
  it('group-commits concurrent writes with sequential ids and an unbroken chain', async () => {
    const decisions = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.as(principals.admin).sdk.decide({ agent: 'W', action: 'x', args: { i } }),
      ),
    );
    const ids = decisions.map((d) => d.auditId).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => ids[0]! + i));
    expect(await t.as(principals.admin).audit.verify()).toMatchObject({ ok: true });
  });

  it('hands its listeners the entries as stored, findings included', async () => {
    const heard: AuditEntry[] = [];
    const off = t.services.events.onAudit((e) => heard.push(e));
    try {
      const d = await t.as(principals.admin).sdk.decide({
        agent: 'W',
        action: 'x',
        args: { note: 'card 4111 1111 1111 1111, mail ann@example.com' },
      });
      const stored = (await t.as(principals.viewer).audit.list({ limit: 1 })).entries[0]!;
      expect(stored.id).toBe(d.auditId);
      expect(stored.findings?.map((f) => f.detector).sort()).toEqual(['card', 'email']);
      expect(heard.find((e) => e.id === d.auditId)).toEqual(stored);
    } finally {
      off();
    }
  });

  it('recovers when something else took the next id: resumes after it, chain intact', async () => {
    const last = (await t.as(principals.viewer).audit.list({ limit: 1 })).entries[0]!;
    // An outside writer (a bulk import) appends the next entry behind the server's back.
    const foreign = {
      id: last.id + 1,
      timestamp: new Date().toISOString(),
      agent: 'W',
      action: 'imported',
      status: 'ALLOWED',
      details: 'bulk import',
      callId: null,
      approvalId: null,
      argsPreview: null,
      prevHash: last.hash,
    };
    await t.store.connection.collection('audit_log').insertOne({
      ...foreign,
      timestamp: new Date(foreign.timestamp),
      hash: hashAuditEntry(foreign),
      outcome: null,
      durationMs: null,
    });
    const d = await t.as(principals.admin).sdk.decide({ agent: 'W', action: 'x' });
    expect(d.auditId).toBeGreaterThan(foreign.id);
    expect(await t.as(principals.admin).audit.verify()).toMatchObject({ ok: true });
  });
});
