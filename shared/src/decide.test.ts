import { describe, expect, it } from 'vitest';
import { decide, listsFromRules, rulesFromLists } from './decide';
import { canonicalJson } from './canonicalJson';

describe('decide', () => {
  const rules = rulesFromLists({
    allowed: ['lookup_balance'],
    blocked: ['delete_records'],
    review: ['access_ssn'],
  });

  it('follows the seed order: paused, allowed, blocked, review', () => {
    expect(decide({ status: 'PAUSED', rules }, 'lookup_balance').verdict).toBe('KILLED');
    expect(decide({ status: 'ACTIVE', rules }, 'lookup_balance').verdict).toBe('ALLOWED');
    expect(decide({ status: 'ACTIVE', rules }, 'delete_records').verdict).toBe('BLOCKED');
    expect(decide({ status: 'ACTIVE', rules }, 'access_ssn').verdict).toBe('REVIEW');
    expect(decide({ status: 'ACTIVE', rules }, 'never_heard_of').verdict).toBe('REVIEW');
  });

  it('lets a block win when an action is listed twice', () => {
    const both = rulesFromLists({ allowed: ['x'], blocked: ['x'] });
    expect(decide({ status: 'ACTIVE', rules: both }, 'x').verdict).toBe('BLOCKED');
  });

  it('round-trips rules to sorted lists', () => {
    const lists = listsFromRules(rulesFromLists({ allowed: ['b', 'a'], blocked: ['c'] }));
    expect(lists).toEqual({ allowed: ['a', 'b'], blocked: ['c'], review: [] });
  });
});

describe('canonicalJson', () => {
  it('ignores key order, keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
});
