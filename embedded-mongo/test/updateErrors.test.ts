import type { Document } from 'bson';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/commands/dispatch.js';
import { CursorRegistry } from '../src/cursors.js';
import { Store } from '../src/storage/store.js';

/**
 * Updates mongod refuses must be refused with its error code, never reported as matched and
 * left unapplied; and what mongod allows (several positional paths into one array, `$pull` with
 * a query) must apply.
 */
describe('update operators: mongod errors instead of silent no-ops', () => {
  let store: Store;
  const run = (cmd: Document): Document => runCommand({ ...cmd, $db: 'u' }, { store, cursors: new CursorRegistry(), connectionId: 1 });
  const one = (id: number): Document | undefined => (run({ find: 'posts', filter: { _id: id } }).cursor as { firstBatch: Document[] }).firstBatch[0];
  const update = (q: Document, u: Document, extra: Document = {}): Document => run({ update: 'posts', updates: [{ q, u, ...extra }] });
  const codeOf = (reply: Document): unknown => (reply.writeErrors as Document[] | undefined)?.[0]?.code;

  beforeEach(() => {
    store = new Store(':memory:');
    run({
      insert: 'posts',
      documents: [{ _id: 1, title: 't', n: 5, s: 'text', comments: [{ body: 'a', votes: 1 }, { body: 'b', votes: 2 }, { body: 'c', votes: 3 }] }],
    });
  });
  afterEach(() => store.close());

  it.each([
    ['$set of a field inside an array (PathNotViable)', 28, { $set: { 'comments.body': 'x' } }],
    ['$set below a scalar', 28, { $set: { 'n.deeper': 1 } }],
    ['$push onto a number', 2, { $push: { n: 1 } }],
    ['$inc of a string', 14, { $inc: { s: 1 } }],
    ['$inc by a string', 14, { $inc: { n: 'one' } }],
    ['$addToSet onto a string', 2, { $addToSet: { s: 'x' } }],
    ['$pop of a number', 14, { $pop: { n: 1 } }],
    ['$pull from a number', 2, { $pull: { n: 1 } }],
    ['$mul of a string', 14, { $mul: { s: 2 } }],
    ['two operators on one path', 40, { $set: { comments: [] }, $push: { 'comments.0': 1 } }],
    ['a path and its parent', 40, { $set: { title: 'x' }, $inc: { 'title.len': 1 } }],
    ['an empty path component', 56, { $set: { 'a..b': 1 } }],
  ] as const)('refuses %s with code %i and leaves the document as it was', (_name, code, u) => {
    const before = one(1);
    const reply = update({ _id: 1 }, u);
    expect(codeOf(reply)).toBe(code);
    expect(reply).toMatchObject({ n: 0, nModified: 0 });
    expect(one(1)).toEqual(before);
  });

  // mongod parses an update before it looks for documents, so these fail matching nothing too.
  it.each([
    ['an unknown operator', 9, { $bogus: { n: 1 } }, {}],
    ['an operator given a non-object', 9, { $set: 5 }, {}],
    ['an empty path', 56, { $set: { '': 1 } }, {}],
    ['an empty path component', 56, { $set: { 'a..b': 1 } }, {}],
    ['$inc by a string', 14, { $inc: { n: 'one' } }, {}],
    ['two operators on one path', 40, { $set: { a: 1 }, $unset: { a: '' } }, {}],
    ['an array filter no path uses', 9, { $set: { 'comments.$[c].votes': 0 } }, { arrayFilters: [{ 'c.votes': 1 }, { 'd.votes': 2 }] }],
    ['a path naming no array filter', 2, { $set: { 'comments.$[x].votes': 0 } }, {}],
    ['a $rename onto itself', 2, { $rename: { a: 'a' } }, {}],
  ] as const)('refuses %s with code %i even when nothing matches', (_name, code, u, extra) => {
    const reply = update({ _id: 99 }, u, extra);
    expect(codeOf(reply)).toBe(code);
    expect(reply).toMatchObject({ n: 0, nModified: 0 });
  });

  it('applies nothing and refuses nothing for a valid update that matches nothing', () => {
    for (const u of [{ $set: { 'comments.$.votes': 1 } }, { $push: { n: 1 } }, { $inc: { s: 1 } }, { title: 'replacement' }]) {
      expect(update({ _id: 99 }, u)).toMatchObject({ ok: 1, n: 0, nModified: 0 });
      expect(codeOf(update({ _id: 99 }, u))).toBeUndefined();
    }
    expect(one(99)).toBeUndefined();
  });

  it('pulls subdocuments matching $or (what mongoose sends for _id-less subdocuments)', () => {
    const reply = update({ _id: 1 }, { $pull: { comments: { $or: [{ body: 'a' }, { votes: 3 }] } } });
    expect(reply).toMatchObject({ n: 1, nModified: 1 });
    expect(one(1)?.comments).toEqual([{ body: 'b', votes: 2 }]);
  });

  it('pulls with operator conditions, equality and field queries', () => {
    run({ insert: 'posts', documents: [{ _id: 2, xs: [1, 5, 9, 'a'], ys: [{ k: 1 }, { k: 2, extra: true }] }] });
    expect(update({ _id: 2 }, { $pull: { xs: { $gte: 5 }, ys: { k: 2 } } })).toMatchObject({ nModified: 1 });
    expect(one(2)).toMatchObject({ xs: [1, 'a'], ys: [{ k: 1 }] });
    expect(update({ _id: 2 }, { $pull: { xs: 'a' } })).toMatchObject({ nModified: 1 });
    expect(one(2)?.xs).toEqual([1]);
  });

  it('updates several positional paths into the matched element together', () => {
    const reply = update({ _id: 1, 'comments.body': 'b' }, { $set: { 'comments.$.body': 'B', 'comments.$.edited': true }, $addToSet: { 'comments.$.tags': 'x' }, $inc: { 'comments.$.votes': 10 } });
    expect(reply).toMatchObject({ n: 1, nModified: 1 });
    expect(one(1)?.comments).toEqual([
      { body: 'a', votes: 1 },
      { body: 'B', votes: 12, edited: true, tags: ['x'] },
      { body: 'c', votes: 3 },
    ]);
  });

  it('applies $[] and $[id] with arrayFilters, and refuses filters nothing uses', () => {
    expect(update({ _id: 1 }, { $inc: { 'comments.$[].votes': 1, 'comments.$[big].big': 1 } }, { arrayFilters: [{ 'big.votes': { $gte: 3 } }] })).toMatchObject({ nModified: 1 });
    expect((one(1)?.comments as Document[]).map((c) => [c.votes as unknown, c.big as unknown])).toEqual([[2, undefined], [3, 1], [4, 1]]);
    expect(codeOf(update({ _id: 1 }, { $set: { n: 1 } }, { arrayFilters: [{ 'x.a': 1 }] }))).toBe(9);
    expect(codeOf(update({ _id: 1 }, { $set: { 'comments.$[y].a': 1 } }))).toBe(2);
  });

  it('refuses the positional operator when the query did not match into the array', () => {
    expect(codeOf(update({ _id: 1 }, { $set: { 'comments.$.body': 'x' } }))).toBe(2);
  });

  it('accepts an upsert whose $set repeats the _id of its query, refuses one that changes it', () => {
    expect(update({ _id: 7 }, { $set: { _id: 7, v: 1 } }, { upsert: true })).toMatchObject({ n: 1, upserted: [{ index: 0, _id: 7 }] });
    expect(one(7)).toEqual({ _id: 7, v: 1 });
    expect(codeOf(update({ _id: 8 }, { $set: { _id: 9 } }, { upsert: true }))).toBe(66);
  });

  it('sets $-prefixed field names as mongod 5+ does; a replacement may not have them at its top (52)', () => {
    expect(update({ _id: 1 }, { $set: { $note: 'x', 'meta.$tag': 1 } })).toMatchObject({ n: 1, nModified: 1 });
    expect(one(1)).toMatchObject({ $note: 'x', meta: { $tag: 1 } });
    expect(update({ _id: 5 }, { $setOnInsert: { v: 0 }, $set: { $key: 'k' } }, { upsert: true })).toMatchObject({ n: 1, upserted: [{ _id: 5 }] });
    expect(one(5)).toEqual({ _id: 5, $key: 'k', v: 0 });
    expect(codeOf(update({ _id: 1 }, { title: 't', $bad: 1 }))).toBe(52);
  });

  it('adds new fields in field-name order and pads arrays with nulls, like mongod 5+', () => {
    update({ _id: 1 }, { $set: { zeta: 1, alpha: 2, 'list.2': 'x' } });
    const doc = one(1)!;
    expect(Object.keys(doc).slice(-3)).toEqual(['alpha', 'list', 'zeta']);
    expect(doc.list).toEqual({ 2: 'x' });
    update({ _id: 1 }, { $set: { 'comments.4': { body: 'e' } } });
    expect((one(1)?.comments as unknown[]).slice(3)).toEqual([null, { body: 'e' }]);
  });

  it('applies $push modifiers, $min/$max, $rename, $bit and $currentDate', () => {
    update({ _id: 1 }, { $push: { ranks: { $each: [5, 1, 3], $sort: -1, $slice: 2 } }, $min: { n: 2 }, $max: { m: 10 }, $rename: { title: 'name' }, $bit: { flags: { or: 5 } }, $currentDate: { at: true } });
    expect(one(1)).toMatchObject({ ranks: [5, 3], n: 2, m: 10, name: 't', flags: 5 });
    expect(one(1)?.at).toBeInstanceOf(Date);
    expect(one(1)).not.toHaveProperty('title');
  });
});
