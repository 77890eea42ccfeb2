import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
