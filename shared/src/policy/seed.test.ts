import { describe, expect, it } from 'vitest';
import { decide, rulesFromLists } from '../decide';
import { compilePolicyOrThrow } from './compile';
import { evaluatePolicy } from './evaluate';
import { policySet } from './policySet';
import { agentPolicyFromLists, seedListsFor, seedRuleFor } from './seed';

const lists = { allowed: ['lookup_balance', 'send_notification', 'x'], blocked: ['delete_records', 'x'], review: ['access_ssn'] };
const agent = { name: 'customer_support' };

describe('seed lists as rules', () => {
  const policy = compilePolicyOrThrow(agentPolicyFromLists('customer_support', lists), { version: 3 });

  it('decide the same as the seed decide() for every action, listed or not', () => {
    const rules = rulesFromLists(lists);
    for (const action of ['lookup_balance', 'send_notification', 'delete_records', 'access_ssn', 'x', 'never_heard_of']) {
      for (const status of ['ACTIVE', 'PAUSED'] as const) {
        expect(evaluatePolicy(policy, { agent, action }, { status }).verdict, `${action} ${status}`).toBe(decide({ status, rules }, action).verdict);
      }
    }
  });

  it('read back as the same lists when nothing is conditional', () => {
    expect(seedListsFor(policy, agent)).toEqual({
      allowed: ['lookup_balance', 'send_notification'],
      blocked: ['delete_records', 'x'],
      review: ['access_ssn'],
    });
  });
});

describe('the seed per-action read of a conditional policy', () => {
  const own = compilePolicyOrThrow({
    kind: 'AgentPolicy',
    agent: 'customer_support',
    rules: [
      { id: 'send', actions: ['send_notification'], effect: 'ALLOW' },
      { id: 'send-card', actions: ['send_notification'], when: "dlp.found('card')", effect: 'BLOCK' },
      { id: 'lookup', actions: ['lookup_*'], effect: 'ALLOW' },
      { id: 'delete', actions: ['delete_records'], effect: 'BLOCK' },
      { id: 'delete-drafts', actions: ['delete_records'], when: "args.kind == 'draft'", effect: 'ALLOW' },
      { id: 'wipe', actions: ['wipe'], effect: 'BLOCK', priority: 5 },
      { id: 'wipe-ok', actions: ['wipe'], when: 'args.force', effect: 'ALLOW', priority: 1 },
    ],
  });
  const global = compilePolicyOrThrow({
    kind: 'GlobalPolicy',
    rules: [
      { id: 'no-export', actions: ['export_*'], effect: 'BLOCK' },
      { id: 'cond-read', agents: ['other_*'], actions: ['lookup_balance'], when: 'args.x > 1.0', effect: 'REVIEW' },
    ],
  });
  const set = policySet({ global, agent: own });

  it('reads an action whose outcome depends on a condition as REVIEW', () => {
    expect(seedRuleFor(set, agent, 'send_notification')).toBe('REVIEW');
  });

  it('keeps unconditional answers, and BLOCK when no condition can overrule it', () => {
    expect(seedRuleFor(set, agent, 'lookup_balance')).toBe('ALLOW'); // the conditional global rule selects other agents
    expect(seedRuleFor(set, agent, 'export_customer_list')).toBe('BLOCK');
    expect(seedRuleFor(set, agent, 'delete_records')).toBe('BLOCK'); // an ALLOW can't beat a BLOCK at equal priority
    expect(seedRuleFor(set, agent, 'wipe')).toBe('BLOCK'); // the conditional ALLOW has lower priority
    expect(seedRuleFor(set, agent, 'unknown')).toBe('REVIEW');
    expect(seedRuleFor(set, { name: 'other_bot' }, 'lookup_balance')).toBe('REVIEW');
  });
});
