import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

// From an attack review: one agent key opened 300 approvals in 45 s (900 messages to reviewers'
// channels), burying any real request among them. An agent's open approvals are capped.
let t: TestContext;
const bot = principals.agent('FloodBot');
const other = principals.agent('CalmBot');
beforeAll(async () => {
  t = await createTestContext({ maxPendingApprovals: 3 });
  await t.as(bot).sdk.registerAgent({ name: 'FloodBot', allows: [], review: ['pay'] });
  await t.as(other).sdk.registerAgent({ name: 'CalmBot', allows: [], review: ['pay'] });
});
afterAll(() => t.dispose());

it('past the cap a call that needs review is refused and recorded; others are unaffected; deciding frees a place', async () => {
  const answers = [];
  for (let n = 0; n < 5; n++)
    answers.push(await t.as(bot).sdk.decide({ agent: 'FloodBot', action: 'pay', args: { n } }));
  expect(answers.map((a) => a.verdict)).toEqual([
    'REVIEW',
    'REVIEW',
    'REVIEW',
    'BLOCKED',
    'BLOCKED',
  ]);
  expect(answers[3]?.reason).toMatch(/already has 3 approvals waiting/);
  expect(answers[3]?.approvalId).toBeNull();
  const pending = (await t.as(principals.reviewer).approvals.pending()).filter(
    (a) => a.agent === 'FloodBot',
  );
  expect(pending).toHaveLength(3);
  const { entries } = await t.as(principals.viewer).audit.list({ agent: 'FloodBot' });
  expect(entries.filter((e) => e.status === 'BLOCKED')).toHaveLength(2);

  // the same call again while it waits joins its approval: no new one, so not refused
  expect(
    (await t.as(bot).sdk.decide({ agent: 'FloodBot', action: 'pay', args: { n: 0 } })).verdict,
  ).toBe('REVIEW');
  // another agent has its own places
  expect(
    (await t.as(other).sdk.decide({ agent: 'CalmBot', action: 'pay', args: { n: 0 } })).verdict,
  ).toBe('REVIEW');

  await t
    .as(principals.reviewer)
    .approvals.decide({ id: answers[0]!.approvalId!, decision: 'DENIED' });
  expect(
    (await t.as(bot).sdk.decide({ agent: 'FloodBot', action: 'pay', args: { n: 9 } })).verdict,
  ).toBe('REVIEW');
});

it('calls sent all at once, each with other arguments, still open no more than the cap', async () => {
  const racer = principals.agent('RaceBot');
  await t.as(racer).sdk.registerAgent({ name: 'RaceBot', allows: [], review: ['pay'] });
  const answers = await Promise.all(
    Array.from({ length: 12 }, (_, n) =>
      t.as(racer).sdk.decide({ agent: 'RaceBot', action: 'pay', args: { n } }),
    ),
  );
  expect(answers.filter((a) => a.verdict === 'REVIEW')).toHaveLength(3);
  expect(answers.filter((a) => a.verdict === 'BLOCKED')).toHaveLength(9);
  const pending = (await t.as(principals.reviewer).approvals.pending()).filter(
    (a) => a.agent === 'RaceBot',
  );
  expect(pending).toHaveLength(3);
});
