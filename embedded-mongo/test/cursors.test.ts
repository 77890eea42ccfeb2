import { describe, expect, it } from 'vitest';
import { CursorRegistry } from '../src/cursors.js';

describe('cursor registry', () => {
  it('hands out int64 ids, batches in order and forgets exhausted cursors', () => {
    const cursors = new CursorRegistry();
    const docs = Array.from({ length: 5 }, (_, i) => ({ i }));
    const first = cursors.open('db.c', docs, 2);
    expect(first.id.toString()).not.toBe('0');
    expect(first.batch).toEqual([{ i: 0 }, { i: 1 }]);
    expect(cursors.getMore(first.id, 'db.c', 2).batch).toEqual([{ i: 2 }, { i: 3 }]);
    const last = cursors.getMore(first.id, 'db.c', 2);
    expect(last.batch).toEqual([{ i: 4 }]);
    expect(last.id.toString()).toBe('0');
    expect(() => cursors.getMore(first.id, 'db.c', 2)).toThrow(/not found/);
  });

  it('opens with an empty first batch when batchSize is 0', () => {
    const cursors = new CursorRegistry();
    const first = cursors.open('db.c', [{ i: 0 }, { i: 1 }], 0);
    expect(first.batch).toEqual([]);
    expect(cursors.getMore(first.id, 'db.c', undefined).batch).toEqual([{ i: 0 }, { i: 1 }]);
  });

  it('reaps idle cursors so abandoned result sets do not pin memory', () => {
    const cursors = new CursorRegistry(1000);
    const { id } = cursors.open('db.c', [{}, {}, {}], 1);
    expect(cursors.reap(Date.now() + 500)).toBe(0);
    expect(cursors.reap(Date.now() + 5000)).toBe(1);
    expect(cursors.size).toBe(0);
    expect(() => cursors.getMore(id, 'db.c', 1)).toThrow(expect.objectContaining({ code: 43 }) as Error);
  });
});
