import { Decimal128, ObjectId, type Document } from 'bson';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/commands/dispatch.js';
import { CursorRegistry } from '../src/cursors.js';
import type { CollectionStore } from '../src/storage/collection.js';
import { Store } from '../src/storage/store.js';

/**
 * The update path in process: `$set`/`$unset` of top-level fields skip mingo and rewrite only the
 * index entries whose keys changed, so every test checks the index tables against the documents.
 */
describe('update path', () => {
  let store: Store;
  const run = (cmd: Document): Document => runCommand({ ...cmd, $db: 'u' }, { store, cursors: new CursorRegistry(), connectionId: 1 });
  const coll = (): CollectionStore => store.getCollection('u', 'c')!;
  const docs = (filter: Document = {}, sort: Document = { _id: 1 }): Document[] =>
    (run({ find: 'c', filter, sort, batchSize: 1000 }).cursor as { firstBatch: Document[] }).firstBatch;
  const update = (...updates: Document[]): Document => run({ update: 'c', updates, ordered: false });

  /**
   * Every index holds exactly the keys its documents produce, and nothing else: its table with
   * the changes still buffered applied, and its table alone once they are merged.
   */
  function expectIndexesConsistent(): void {
    const c = coll();
    const all = [...c.scan()];
    const tableOf = (table: string) =>
      new Set(store.db.prepare<[], { k: Buffer; rid: number }>(`SELECT k, rid FROM ${table}`).all().map((r) => `${r.k.toString('hex')}:${r.rid}`));
    for (const ix of c.indexes.values()) {
      const expected = all.flatMap(({ rid, doc }) => ix.keysOf(doc).keys.map((k) => `${k.toString('hex')}:${rid}`));
      const logical = tableOf(ix.table);
      for (const e of ix.buffer?.entries ?? []) {
        if (e.op === 1) logical.add(`${e.k.toString('hex')}:${e.rid}`);
        else logical.delete(`${e.k.toString('hex')}:${e.rid}`);
      }
      expect([...logical].sort(), ix.spec.name).toEqual(expected.sort());
    }
    store.mergePending();
    for (const ix of c.indexes.values()) {
      const expected = all.flatMap(({ rid, doc }) => ix.keysOf(doc).keys.map((k) => `${k.toString('hex')}:${rid}`));
      expect([...tableOf(ix.table)].sort(), `${ix.spec.name} merged`).toEqual(expected.sort());
      expect(ix.buffer?.size ?? 0).toBe(0);
    }
  }

  beforeEach(() => {
    store = new Store(':memory:');
    run({
      createIndexes: 'c',
      indexes: [
        { key: { id: -1 }, name: 'id_-1', unique: true },
        { key: { status: 1, id: -1 }, name: 'status_1_id_-1' },
        { key: { tag: 1 }, name: 'tag_1', sparse: true },
        { key: { when: 1 }, name: 'when_1', partialFilterExpression: { open: true } },
      ],
    });
    run({
      insert: 'c',
      documents: Array.from({ length: 20 }, (_, id) => ({ _id: id, id, status: id % 2 ? 'A' : 'B', outcome: null, tag: `t${id}`, when: id, open: id < 5 })),
    });
  });
  afterEach(() => store.close());

  it('sets a field in place or appends it, and counts only real changes', () => {
    expect(update({ q: { id: 3, outcome: null }, u: { $set: { outcome: 'ok', durationMs: 12 } } })).toMatchObject({ n: 1, nModified: 1 });
    const [doc] = docs({ id: 3 });
    expect(Object.keys(doc!)).toEqual(['_id', 'id', 'status', 'outcome', 'tag', 'when', 'open', 'durationMs']);
    expect(doc).toMatchObject({ outcome: 'ok', durationMs: 12 });
    // Write-once: the filter no longer matches; the same values again match but change nothing.
    expect(update({ q: { id: 3, outcome: null }, u: { $set: { outcome: 'late' } } })).toMatchObject({ n: 0, nModified: 0 });
    expect(update({ q: { id: 3 }, u: { $set: { outcome: 'ok', durationMs: 12 } } })).toMatchObject({ n: 1, nModified: 0 });
    expect(update({ q: { id: 3 }, u: { $set: { durationMs: 12.5 } } })).toMatchObject({ n: 1, nModified: 1 });
    expectIndexesConsistent();
  });

  it('moves index entries when an indexed field changes, and only then', () => {
    update({ q: { id: 4 }, u: { $set: { status: 'C' } } }, { q: { id: 6 }, u: { $unset: { tag: '' } } }, { q: { id: 2 }, u: { $set: { open: false } } });
    expect(docs({ status: 'C' }).map((d) => d.id as number)).toEqual([4]);
    expect(docs({ status: 'B' }, { id: -1 }).map((d) => d.id as number)).toEqual([18, 16, 14, 12, 10, 8, 6, 2, 0]);
    expect(docs({ tag: { $exists: true } })).toHaveLength(19);
    expect(docs({ when: 2, open: true })).toHaveLength(0);
    update({ q: { id: 9 }, u: { $set: { open: true } } });
    expect(docs({ when: 9, open: true }).map((d) => d.id as number)).toEqual([9]);
    expectIndexesConsistent();
  });

  it('refuses a duplicate unique key without touching the document or any index', () => {
    const reply = update({ q: { id: 5 }, u: { $set: { status: 'Z', id: 6 } } }, { q: { id: 7 }, u: { $set: { status: 'Y' } } });
    expect(reply.writeErrors).toEqual([expect.objectContaining({ index: 0, code: 11000 })]);
    expect(reply).toMatchObject({ n: 1, nModified: 1 });
    expect(docs({ id: 5 })).toEqual([expect.objectContaining({ status: 'A' })]);
    expect(docs({ status: 'Z' })).toHaveLength(0);
    expectIndexesConsistent();
  });

  it('flags an index multikey when a field becomes an array, even with the same first key', () => {
    update({ q: { id: 1 }, u: { $set: { tag: ['t1'] } } }, { q: { id: 2 }, u: { $set: { tag: ['x', 'y'] } } });
    expect(coll().indexes.get('tag_1')?.multikey).toBe(true);
    expect(docs({ tag: 'y' }).map((d) => d.id as number)).toEqual([2]);
    expect(docs({ tag: 't1' }).map((d) => d.id as number)).toEqual([1]);
    expectIndexesConsistent();
  });

  it('keeps the full semantics for what the fast path does not take', () => {
    expect(update({ q: { id: 1 }, u: { $set: { a: 1 }, $unset: { a: '' } } }).writeErrors).toEqual([expect.objectContaining({ code: 40 })]);
    expect(update({ q: { id: 1 }, u: { $set: { '1': 'digits' } } })).toMatchObject({ nModified: 1 });
    // `_id` may be "set" to its own value; changing it is a write error for that statement only.
    expect(update({ q: { id: 1 }, u: { $set: { _id: 1, seen: true } } })).toMatchObject({ n: 1, nModified: 1 });
    const refused = update({ q: { id: 1 }, u: { $set: { _id: 99 } } }, { q: { id: 2 }, u: { $rename: { tag: '_id' } } }, { q: { id: 3 }, u: { $set: { kept: true } } });
    expect(refused.writeErrors).toEqual([expect.objectContaining({ index: 0, code: 66 }), expect.objectContaining({ index: 1, code: 66 })]);
    expect(refused).toMatchObject({ ok: 1, n: 1, nModified: 1 });
    expect(docs({ kept: true }).map((d) => d._id as number)).toEqual([3]);
    expect(update({ q: { id: 1 }, u: { $set: { 'sub.x': 1 }, $inc: { id: 100 } } })).toMatchObject({ nModified: 1 });
    expect(docs({ id: 101 })).toEqual([expect.objectContaining({ sub: { x: 1 } })]);
    expectIndexesConsistent();
  });

  it('matches equality filters like mingo for arrays, nulls, wrapped numbers and ObjectIds', () => {
    const oid = new ObjectId();
    run({ insert: 'c', documents: [
      { _id: 100, id: 100, grp: 'm', list: ['x', 5, null] },
      { _id: 101, id: 101, grp: 'm', list: Decimal128.fromString('5') },
      { _id: 102, id: 102, grp: 'm', list: { x: 'x' }, ref: oid },
      { _id: 103, id: 103, grp: 'm', list: null },
    ] });
    // Plain equalities only (no operator), so the filter takes the simple matcher.
    const ids = (filter: Document) => docs({ grp: 'm', ...filter }).map((d) => d._id as number);
    expect(ids({ list: 'x' })).toEqual([100]);
    expect(ids({ list: 5 })).toEqual([100, 101]);
    expect(ids({ list: null })).toEqual([100, 103]);
    expect(ids({ ref: oid })).toEqual([102]);
    expect(ids({ ref: null, list: 5 })).toEqual([100, 101]);
    // The same shapes drive updates: only documents whose `list` holds 5 change.
    expect(update({ q: { list: 5 }, u: { $set: { hit: true } }, multi: true })).toMatchObject({ n: 2, nModified: 2 });
    expect(ids({ hit: true })).toEqual([100, 101]);
  });
});
