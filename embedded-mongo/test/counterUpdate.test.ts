import { deserialize, Double, Int32, Long, serialize, type Document } from 'bson';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/commands/dispatch.js';
import { CursorRegistry } from '../src/cursors.js';
import { Store } from '../src/storage/store.js';
import { compileCounterUpdate } from '../src/update/simpleUpdate.js';

/**
 * Counter updates (`$inc` / `$max` / `$min` of int32 amounts and dates on dotted paths) take a
 * direct path (simpleUpdate.ts, compileCounterUpdate). Each case runs twice on fresh copies of the
 * same document: as given, and with a `$setOnInsert` of an unrelated field added — which changes
 * nothing on an update of an existing document but sends it down the full path (modifier.ts,
 * describeUpdate). Reply, stored bytes and the oplog entry a change stream reads must be equal.
 */
describe('counter updates', () => {
  let store: Store;
  const run = (cmd: Document): Document =>
    runCommand({ ...cmd, $db: 'u' }, { store, cursors: new CursorRegistry(), connectionId: 1 });

  beforeEach(() => {
    store = new Store(':memory:');
    run({ createIndexes: 'c', indexes: [{ key: { k: 1, 'v.a': 1 }, name: 'k_v', unique: true }] });
  });
  afterEach(() => store.close());

  const day = (n: number) => new Date(Date.UTC(2026, 11, n));

  /** Reply, stored document bytes and the newest oplog entry of one update of a fresh `doc` (removed after). */
  function outcome(id: number, doc: Document, u: Document): Document {
    run({ insert: 'c', documents: [{ _id: id, ...doc }] });
    const before = store.oplog.committedSeq;
    const reply = run({ update: 'c', updates: [{ q: { _id: id }, u }] });
    const found = (run({ find: 'c', filter: { _id: id } }).cursor as { firstBatch: Document[] })
      .firstBatch[0]!;
    const entry =
      store.oplog.committedSeq > before ? store.oplog.entry(store.oplog.committedSeq) : undefined;
    run({ delete: 'c', deletes: [{ q: { _id: id }, limit: 1 }] });
    return {
      n: reply.n as unknown,
      nModified: reply.nModified as unknown,
      errors: ((reply.writeErrors ?? []) as Document[]).map((e) => e.code as unknown),
      stored: Buffer.from(serialize({ ...found, _id: 0 })).toString('hex'),
      oplog: entry ? { op: entry.op } : null,
      // The update's description (`k`, the document's _id, differs between the two runs).
      oplogBody:
        entry?.op === 'u'
          ? Buffer.from(serialize({ ...deserialize(entry.body), k: 0 })).toString('hex')
          : null,
    };
  }

  let next = 1;
  function expectSameAsFullPath(doc: Document, u: Document): Document {
    const fast = outcome(next++, doc, u);
    const full = outcome(next++, doc, { ...u, $setOnInsert: { zz_unused: 1 } });
    expect(fast.n).toEqual(full.n);
    expect(fast.nModified).toEqual(full.nModified);
    expect(fast.errors).toEqual(full.errors);
    expect(fast.stored).toEqual(full.stored);
    expect(fast.oplogBody).toEqual(full.oplogBody);
    expect(fast.oplog?.op).toEqual(full.oplog?.op);
    return fast;
  }

  const rollup = {
    k: 'ag',
    v: { a: 1, ALLOWED: 3 },
    dc: { send: { card: 1 } },
    first: day(2),
    last: day(3),
    n: 4,
  };

  it("takes the rollups' upserts and gives what the full path gives", () => {
    // The shape the server sends: existing, new and new-subdocument counters, dates, all at once.
    const u = {
      $inc: {
        n: 1,
        'v.ALLOWED': 1,
        'v.BLOCKED': 1,
        'dc.send.card': 1,
        'dc.send.email': 1,
        'df.send.card': 2,
        'df.send.email': 2,
        'dt.send.card': 1,
      },
      $max: { last: day(4) },
      $min: { first: day(1) },
    };
    expect(compileCounterUpdate(u, undefined)?.({ _id: 1, ...rollup })).toBeDefined();
    const r = expectSameAsFullPath(rollup, u);
    expect(r).toMatchObject({ n: 1, nModified: 1 });
    // Nothing changes: not modified, nothing in the oplog.
    expect(
      expectSameAsFullPath(rollup, {
        $inc: { n: 0 },
        $max: { last: day(3) },
        $min: { first: day(2) },
      }),
    ).toMatchObject({ nModified: 0, oplog: null });
    expect(
      expectSameAsFullPath(rollup, {
        $max: { last: day(1), 'v.a': 0 },
        $min: { first: day(9), n: 7 },
      }),
    ).toMatchObject({ nModified: 0 });
    expect(
      expectSameAsFullPath(rollup, { $max: { 'v.a': 5, later: day(5) }, $min: { n: -3 } }),
    ).toMatchObject({ nModified: 1 });
  });

  it('orders new fields and reports paths as mongod does', () => {
    // 'a.b' applies before 'a-c' (by component) but is described after it (by string).
    expect(
      compileCounterUpdate({ $inc: { 'a-c': 1, 'a.b': 1 } }, undefined)?.({ x: 1 }),
    ).toBeDefined();
    expectSameAsFullPath(
      { x: 1 },
      {
        $inc: { 'a-c': 1, 'a.b': 1, 'a.a': 2, 'b.c.d': 1, 'b.c.e': 1, 'b.a': 1, m: 1, 'a-b.z': 1 },
      },
    );
    expectSameAsFullPath(
      { a: { z: 1 }, b: {} },
      { $inc: { 'a.y': 1, 'a.z': 1, 'b.c.d': 1, 'b.b': 1 } },
    );
    expectSameAsFullPath(
      { a: { z: 1, b: { c: 1 } } },
      { $inc: { 'a.b.c': 1, 'a.b.a': 1, 'a.a.x': 1 } },
    );
    // The unique index on a counter: its key moves (and is refused when taken).
    run({ insert: 'c', documents: [{ _id: 1000, k: 'ag', v: { a: 2 } }] });
    expect(expectSameAsFullPath(rollup, { $inc: { 'v.a': 1 } }).errors).toEqual([11000]);
    expect(expectSameAsFullPath(rollup, { $inc: { 'v.a': 2 } }).nModified).toEqual(1);
  });

  it('leaves to the full path what it does not take, with the same outcome', () => {
    const cases: Array<[Document, Document]> = [
      // int32 overflow becomes a long; longs, doubles and integral doubles keep their types
      [{ n: 2147483647 }, { $inc: { n: 1 } }],
      [{ n: -2147483648 }, { $inc: { n: -1 } }],
      [{ n: Long.fromNumber(5) }, { $inc: { n: 1 } }],
      [{ n: 1.5 }, { $inc: { n: 1 } }],
      [{ n: new Double(2) }, { $inc: { n: 1 } }],
      [{ n: 3 }, { $inc: { n: 1.5 } }],
      [{ n: 3 }, { $inc: { n: new Int32(4) } }],
      [{ n: 3 }, { $inc: { n: Long.fromNumber(4) } }],
      // types $inc refuses, a path through a non-document, arrays and numeric components
      [{ n: 'x' }, { $inc: { n: 1 } }],
      [{ a: 5 }, { $inc: { 'a.b': 1 } }],
      [{ a: null }, { $inc: { 'a.b': 1 } }],
      [{ a: [1, 2] }, { $inc: { 'a.1': 1 } }],
      [{ a: [{ b: 1 }] }, { $inc: { 'a.b': 1 } }],
      [{ a: { '1': 2 } }, { $inc: { 'a.1': 1 } }],
      // $max/$min across types, and dates against numbers
      [{ last: 5 }, { $max: { last: day(1) } }],
      [{ last: day(1) }, { $max: { last: 5 } }],
      [{ last: 'x' }, { $min: { last: 3 } }],
      [{ last: null }, { $min: { last: day(1) } }],
      [{ last: new Date(NaN) }, { $max: { last: day(1) } }],
      [{ last: 2.5 }, { $max: { last: 2 } }],
      // conflicts (code 40), empty components, `_id`, `$` names
      [{}, { $inc: { a: 1, 'a.b': 1 } }],
      [{}, { $inc: { a: 1 }, $max: { a: 2 } }],
      [{}, { $inc: { 'a..b': 1 } }],
      [{}, { $inc: { _id: 1 } }],
      [{}, { $inc: { 'a.$x': 1 } }],
      [{}, { $inc: {} }],
    ];
    for (const [doc, u] of cases) expectSameAsFullPath(doc, u);
  });

  it('compiles only counter updates', () => {
    expect(compileCounterUpdate({ $set: { 'a.b': 1 } }, undefined)).toBeUndefined();
    expect(compileCounterUpdate({ $inc: { a: 1 } }, [{ x: 1 }])).toBeUndefined();
    expect(compileCounterUpdate([{ $set: { a: 1 } }], undefined)).toBeUndefined();
    expect(compileCounterUpdate({ $inc: { a: 1.5 } }, undefined)).toBeUndefined();
    expect(compileCounterUpdate({ $inc: { a: day(1) } }, undefined)).toBeUndefined();
    expect(compileCounterUpdate({ $inc: { a: 1, 'a.b': 1 } }, undefined)).toBeUndefined();
    expect(
      compileCounterUpdate({ $inc: { 'a.b': 1 }, $max: { 'c.d': day(1) } }, undefined),
    ).toBeDefined();
  });
});
