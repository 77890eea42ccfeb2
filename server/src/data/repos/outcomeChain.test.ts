import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/testServer';
import { auditOutcomeModel } from '../models/auditOutcome.model';
import { OutcomeChain, type OutcomeSeal } from './outcomeChain';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.dispose());

const seal = (entryId: number): OutcomeSeal => ({
  entryId,
  entryHash: entryId.toString(16).padStart(64, '0'),
  outcome: 'ok',
  durationMs: 1,
});

describe('outcome chain', () => {
  it('a group of many outcomes sealed already answers "sealed before" for each (review 7)', async () => {
    // Each already-sealed record is refused for its entryId one round at a time; those rounds
    // move on, so they must not count as lost races (the limit is 100).
    const model = auditOutcomeModel(t.store.connection);
    const chain = new OutcomeChain(model, () => Promise.resolve(0));
    const ids = Array.from({ length: 150 }, (_, i) => 1_000_000 + i);
    expect(await chain.sealAll(ids.map(seal))).toEqual(ids.map(() => true));
    const again = new OutcomeChain(model, () => Promise.resolve(0));
    expect(await again.sealAll(ids.map(seal))).toEqual(ids.map(() => false));
    expect(await model.collection.countDocuments({ entryId: { $gte: 1_000_000 } })).toBe(150);
  });

  it('two servers sealing the same outcomes in the same millisecond: each sealed once, and only one says it sealed it (CI run 41)', async () => {
    // Both build byte-identical records (same entry, same head, same timestamp, so the same
    // hash); the loser must not take the winner's stored record for its own.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-06T22:00:00.000Z') });
    try {
      const model = auditOutcomeModel(t.store.connection);
      const a = new OutcomeChain(model, () => Promise.resolve(0));
      const b = new OutcomeChain(model, () => Promise.resolve(0));
      const ids = [2_000_000, 2_000_001];
      const [fromA, fromB] = await Promise.all([
        a.sealAll(ids.map(seal)),
        b.sealAll(ids.map(seal)),
      ]);
      ids.forEach((_, i) => expect([fromA[i], fromB[i]].filter(Boolean)).toHaveLength(1));
      for (const entryId of ids) expect(await model.collection.countDocuments({ entryId })).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
