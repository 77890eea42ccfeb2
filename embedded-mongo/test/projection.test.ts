import type { Document } from 'bson';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/commands/dispatch.js';
import { CursorRegistry } from '../src/cursors.js';
import { Store } from '../src/storage/store.js';

/** Find projections as MongoDB 7 applies them (answers taken from the manual's examples). */
describe('projection', () => {
  let store: Store;
  const run = (cmd: Document): Document => runCommand({ ...cmd, $db: 'p' }, { store, cursors: new CursorRegistry(), connectionId: 1 });
  const find = (projection: Document, filter: Document = { _id: 1 }): Document[] => {
    const reply = run({ find: 'c', filter, projection });
    if (reply.ok !== 1) throw new Error(`${String(reply.code)}: ${String(reply.errmsg)}`);
    return (reply.cursor as { firstBatch: Document[] }).firstBatch;
  };

  beforeEach(() => {
    store = new Store(':memory:');
    run({
      insert: 'c',
      documents: [{ b: 'x', _id: 1, a: [1, 2, 3, 4], scores: [70, 85, 92], comments: [{ by: 'ann', n: 1 }, { by: 'bob', n: 2 }], nested: { keep: 1, drop: 2 } }],
    });
  });
  afterEach(() => store.close());

  it('keeps every other field with $slice, which is not an inclusion', () => {
    const [doc] = find({ a: { $slice: 1 } });
    expect(Object.keys(doc!)).toEqual(['_id', 'b', 'a', 'scores', 'comments', 'nested']);
    expect(doc!.a).toEqual([1]);
    expect(find({ a: { $slice: -2 } })[0]!.a).toEqual([3, 4]);
    expect(find({ a: { $slice: [1, 2] } })[0]!.a).toEqual([2, 3]);
    expect(find({ a: { $slice: 1 }, b: 1 })[0]).toEqual({ _id: 1, b: 'x', a: [1] });
  });

  it('puts _id first and the other fields in document order, not projection order', () => {
    expect(Object.keys(find({ nested: 1, b: 1 })[0]!)).toEqual(['_id', 'b', 'nested']);
    expect(find({ 'nested.keep': 1, _id: 0 })[0]).toEqual({ nested: { keep: 1 } });
    expect(find({ 'nested.drop': 0, a: 0, scores: 0, comments: 0 })[0]).toEqual({ _id: 1, b: 'x', nested: { keep: 1 } });
    expect(find({ 'comments.by': 1 })[0]).toEqual({ _id: 1, comments: [{ by: 'ann' }, { by: 'bob' }] });
  });

  it('applies $elemMatch to arrays of scalars and of documents', () => {
    expect(find({ scores: { $elemMatch: { $gte: 80 } } })[0]).toEqual({ _id: 1, scores: [85] });
    expect(find({ comments: { $elemMatch: { by: 'bob' } } })[0]).toEqual({ _id: 1, comments: [{ by: 'bob', n: 2 }] });
    expect(find({ comments: { $elemMatch: { by: 'nobody' } } })[0]).toEqual({ _id: 1 });
  });

  it('returns the element the query matched for the positional $', () => {
    expect(find({ 'comments.$': 1 }, { 'comments.by': 'bob' })[0]).toEqual({ _id: 1, comments: [{ by: 'bob', n: 2 }] });
    expect(find({ 'scores.$': 1 }, { scores: { $gt: 80 } })[0]).toEqual({ _id: 1, scores: [85] });
  });

  it('refuses mixing inclusion and exclusion', () => {
    expect(() => find({ a: 1, b: 0 })).toThrow(/31254/);
  });

  it('evaluates computed fields', () => {
    expect(find({ b: 1, total: { $size: '$a' } })[0]).toEqual({ _id: 1, b: 'x', total: 4 });
  });

  it('an index scan that decodes only the kept fields answers as a full scan does', () => {
    // Reading an index, a find with an inclusion projection decodes only the kept fields and
    // those its filter and sort read; a collection scan ($natural) decodes everything.
    run({ createIndexes: 'big', indexes: [{ key: { g: 1, n: 1 }, name: 'g_n' }] });
    run({
      insert: 'big',
      documents: Array.from({ length: 60 }, (_, n) => ({
        _id: n,
        g: n % 3,
        n,
        s: `s${n % 7}`,
        v: { a: n, b: { c: [n, n + 1] } },
        tags: n % 2 ? ['x', 'y'] : [],
        pad: 'p'.repeat(n),
      })),
    });
    const both = (filter: Document, projection: Document, sort: Document = { n: -1 }) => {
      const viaIndex = run({ find: 'big', filter, projection, sort, hint: 'g_n' });
      const viaScan = run({ find: 'big', filter, projection, sort, hint: { $natural: 1 } });
      const docs = (r: Document) => (r.cursor as { firstBatch: Document[] }).firstBatch;
      expect(docs(viaIndex)).toEqual(docs(viaScan));
      return docs(viaIndex);
    };
    expect(both({ g: 1 }, { n: 1 })[0]).toEqual({ _id: 58, n: 58 });
    expect(both({ g: 2 }, { 'v.b.c': 1, _id: 0 })[0]).toEqual({ v: { b: { c: [59, 60] } } });
    // The filter and sort read fields the projection drops.
    expect(both({ g: 0, s: 's3', 'v.a': { $gte: 10 } }, { tags: 1 }, { pad: -1 })).toEqual([
      { _id: 45, tags: ['x', 'y'] },
      { _id: 24, tags: [] },
    ]);
    expect(both({ g: 1, $or: [{ s: 's1' }, { 'v.b.c': 5 }] }, { s: 1, _id: 0 })).toEqual([
      { s: 's1' },
      { s: 's1' },
      { s: 's4' },
      { s: 's1' },
    ]);
    // Operators that may read any field, and exclusions, decode everything.
    expect(both({ g: 1, $expr: { $gt: ['$n', 50] } }, { n: 1 })).toHaveLength(3);
    expect(both({ g: 1, n: { $lt: 10 } }, { pad: 0, v: 0, tags: 0 })[0]).toEqual({ _id: 7, g: 1, n: 7, s: 's0' });
  });
});
