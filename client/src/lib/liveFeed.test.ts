import { describe, expect, it } from 'vitest';
import { feedOf, isSignIn, type AuditEntry } from './liveFeed';

const entry = (id: number, status: AuditEntry['status'], action: string) =>
  ({ id, status, action }) as AuditEntry;

describe('the live feed', () => {
  const log = [
    entry(6, 'ACCESS', 'aegis:login'),
    entry(5, 'ALLOWED', 'lookup_balance'),
    entry(4, 'ACCESS', 'aegis:logout'),
    entry(3, 'ACCESS', 'aegis:key-create'),
    entry(2, 'ACCESS', 'aegis:login'),
    entry(1, 'BLOCKED', 'delete_records'),
  ];

  it('tells sign-ins from the other access entries', () => {
    expect(log.filter(isSignIn).map((e) => e.id)).toEqual([6, 4, 2]);
  });

  it("leaves sign-ins out, counting them, so agents' decisions fill the feed", () => {
    const { shown, signIns } = feedOf(log, 2, false);
    expect(shown.map((e) => e.id)).toEqual([5, 3]);
    expect(signIns).toBe(3);
    expect(feedOf(log, 3, true).shown.map((e) => e.id)).toEqual([6, 5, 4]);
  });
});
