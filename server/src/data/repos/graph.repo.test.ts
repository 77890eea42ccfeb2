import fc from 'fast-check';
import type mongoose from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDb } from '../../../test/helpers/testDb';
import { createModels, syncIndexes } from '../models';
import type { AuditDoc } from '../models/audit.model';
import { callGroupsByAggregate, createGraphRepo, type GraphGroup } from './graph.repo';

// The graph's batched read against the $group it replaced, on the same stored entries: every
// status, approved calls' repeated ALLOWED, findings on arguments and results (repeated, on both
// sides), tags missing, null, empty and set, entries just outside the window.
const db = useTestDb();
let audit: mongoose.Model<AuditDoc>;
beforeAll(async () => {
  const models = createModels(await db.connect());
  await syncIndexes(models);
  audit = models.audit;
});

/** Sums per mapped group: what the graph's fold sees (it only adds groups up). */
const totals = (groups: GraphGroup[]) => {
  const out = new Map<string, number>();
  for (const g of groups) {
    const key = JSON.stringify([g.agent, g.action, g.status, g.detectors, g.tags]);
    out.set(key, (out.get(key) ?? 0) + g.n);
  }
  return out;
};

describe('the agent graph read', () => {
  it('groups exactly as the $group it replaced', async () => {
    const from = new Date(Date.UTC(2026, 11, 4, 10));
    const to = new Date(Date.UTC(2026, 11, 4, 12));
    const finding = fc.record({
      detector: fc.constantFrom('card', 'ssn', 'email'),
      count: fc.constant(1),
    });
    const entry = fc.record({
      agent: fc.constantFrom('teller', 'loans'),
      action: fc.constantFrom('pay', 'notify', 'lookup'),
      status: fc.constantFrom(
        'ALLOWED',
        'BLOCKED',
        'PENDING',
        'KILLED',
        'APPROVED',
        'DENIED',
        'ERROR',
      ),
      approvalId: fc.option(fc.integer({ min: 1, max: 9 }), { nil: null }),
      offsetMin: fc.integer({ min: -10, max: 130 }),
      findings: fc.option(fc.array(finding, { maxLength: 3 }), { nil: undefined }),
      resultFindings: fc.option(fc.array(finding, { maxLength: 2 }), { nil: undefined }),
      tags: fc.constantFrom<unknown>(undefined, null, [], ['pii'], ['pii', 'external']),
    });
    let id = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 80 }), async (entries) => {
        await audit.collection.deleteMany({});
        await audit.collection.insertMany(
          entries.map((e) => {
            const doc: Record<string, unknown> = {
              id: ++id,
              timestamp: new Date(from.getTime() + e.offsetMin * 60_000),
              agent: e.agent,
              action: e.action,
              status: e.status,
              approvalId: e.approvalId,
              hash: 'h',
            };
            if (e.findings) doc.findings = e.findings;
            if (e.resultFindings) doc.resultFindings = e.resultFindings;
            if (e.tags !== undefined) doc.tags = e.tags;
            return doc;
          }),
        );
        const batched = await createGraphRepo(audit).callGroups(from, to);
        expect(totals(batched)).toEqual(totals(await callGroupsByAggregate(audit, from, to)));
      }),
      { numRuns: 40 },
    );
  });
});
