import { describe, expect, it } from 'vitest';
import {
  clearLiveEntries,
  feedOf,
  flushLiveEntries,
  isSignIn,
  liveFeedStore,
  pushLiveEntry,
  type AuditEntry,
} from './liveFeed';

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

  it('takes a burst as one change: 530 arrivals, one update of the pages reading the feed', () => {
    // An update per entry re-rendered Activity's 300 rows 530 times: the page froze for minutes.
    clearLiveEntries();
    let changes = 0;
    const stop = liveFeedStore.subscribe(() => changes++);
    try {
      for (let id = 1; id <= 530; id++) pushLiveEntry(entry(id, 'BLOCKED', `tool.${id}`));
      expect(changes).toBe(0);
      flushLiveEntries();
      expect(changes).toBe(1);
      const shown = liveFeedStore.get();
      expect(shown).toHaveLength(300);
      expect(shown[0]?.id).toBe(530);
      expect(shown.at(-1)?.id).toBe(231);
      // Replayed and repeated entries are kept once; older ones than the feed holds drop off.
      pushLiveEntry(entry(530, 'BLOCKED', 'tool.530'));
      pushLiveEntry(entry(531, 'ALLOWED', 'tool.531'));
      pushLiveEntry(entry(531, 'ALLOWED', 'tool.531'));
      flushLiveEntries();
      expect(changes).toBe(2);
      expect(
        liveFeedStore
          .get()
          .slice(0, 2)
          .map((e) => e.id),
      ).toEqual([531, 530]);
      expect(liveFeedStore.get()).toHaveLength(300);
    } finally {
      stop();
      clearLiveEntries();
    }
  });
});
