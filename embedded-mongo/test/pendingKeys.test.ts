import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Document } from 'bson';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../src/commands/dispatch.js';
import { DIRECT_BATCH } from '../src/commands/insert.js';
import { CursorRegistry } from '../src/cursors.js';
import { Store } from '../src/storage/store.js';

/**
 * Index entries of non-unique indexes are buffered and merged into their tables later
 * (storage/pendingKeys.ts). Whatever the interleaving of inserts, updates, deletes, merges,
 * restarts and rolled-back transactions, every indexed find and count must answer exactly what a
 * collection without indexes answers, and a merge must change no answer.
 */
describe('buffered index entries', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedded-pending-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const word = fc.constantFrom('card', 'ssn', 'iban', 'transfer', 'loan', 'a', 'b');
  const op = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('insert' as const),
        // Now and then a bulk load (keys written straight to the tables); a group commit's batch below.
        batch: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
        n: fc.integer({ min: 0, max: 5 }),
        tags: fc.option(fc.array(word, { maxLength: 3 })),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('setN' as const),
        pick: fc.nat(),
        n: fc.integer({ min: 0, max: 5 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('setTags' as const),
        pick: fc.nat(),
        tags: fc.option(fc.array(word, { maxLength: 3 })),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('merge' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('rollback' as const),
        pick: fc.nat(),
        n: fc.integer({ min: 0, max: 5 }),
      }),
    },
  );
  type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

  const queries: { filter: Document; sort?: Document }[] = [
    { filter: { tags: 'card' } },
    { filter: { tags: { $in: ['ssn', 'loan'] } }, sort: { tags: 1, id: -1 } },
    { filter: { n: { $gte: 3, $lt: 7 } }, sort: { n: 1 } },
    { filter: { n: { $gt: 2 } }, sort: { n: -1 } },
    { filter: { n: 4, s: { $gte: 'k' } } },
    { filter: { tags: { $exists: false } } },
    // Exact plans: counted from index entries alone (IndexState.countRange).
    { filter: { n: 4 } },
    { filter: { n: { $in: [1, 5, 8] } } },
  ];

  it('answers every indexed query like a plain scan', () => {
    let run = 0;
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        (ops: Op[], batchSize) => {
          run++;
          const file = join(dir, `s${run}.sqlite`);
          let store = new Store(file);
          let cursors = new CursorRegistry();
          const cmd = (c: Document): Document =>
            runCommand({ ...c, $db: 'p' }, { store, cursors, connectionId: 1 });
          cmd({
            createIndexes: 'ix',
            indexes: [
              { key: { id: 1 }, name: 'id_1', unique: true },
              { key: { tags: 1, id: -1 }, name: 'tags_1_id_-1' },
              { key: { n: 1 }, name: 'n_1' },
              { key: { n: -1, s: 1 }, name: 'n_-1_s_1' },
            ],
          });
          cmd({ create: 'plain' });
          let next = 0;
          const live: number[] = [];
          const both = (c: (coll: string) => Document) =>
            ['ix', 'plain'].map((coll) => cmd(c(coll)));
          const findAll = (coll: string, q: { filter: Document; sort?: Document }): Document[] => {
            const first = cmd({ find: coll, filter: q.filter, sort: q.sort, batchSize }).cursor as {
              id: bigint | number;
              firstBatch: Document[];
            };
            const out = [...first.firstBatch];
            let id = first.id;
            // getMores resume an index scan after the last key it returned.
            while (Number(id) !== 0) {
              const more = cmd({ getMore: id, collection: coll, batchSize }).cursor as {
                id: bigint | number;
                nextBatch: Document[];
              };
              out.push(...more.nextBatch);
              id = more.id;
            }
            return out;
          };
          const check = () => {
            for (const q of queries) {
              const got = findAll('ix', q);
              const want = findAll('plain', q);
              const byId = (a: Document, b: Document) => (a._id as number) - (b._id as number);
              expect([...got].sort(byId), JSON.stringify(q)).toEqual([...want].sort(byId));
              if (q.sort?.n)
                expect(got.map((d) => d.n as unknown)).toEqual(want.map((d) => d.n as unknown));
              const counts = both((coll) => ({ count: coll, query: q.filter }));
              expect(counts[0]!.n, `count ${JSON.stringify(q.filter)}`).toBe(counts[1]!.n);
            }
          };
          for (const o of ops) {
            const target = live.length > 0 && 'pick' in o ? live[o.pick % live.length]! : undefined;
            switch (o.kind) {
              case 'insert': {
                const doc: Document = {
                  _id: next,
                  id: next,
                  n: o.n,
                  s: String.fromCharCode(97 + ((next * 7) % 26)),
                };
                if (o.tags) doc.tags = o.tags;
                next++;
                // A batch of DIRECT_BATCH or more writes its new keys straight to the tables, the others
                // (single documents, and a dozen as a group commit sends them) buffer them.
                const docs = [doc];
                for (let j = 1; j < (o.batch ? DIRECT_BATCH : o.n > 3 ? 12 : 1); j++)
                  docs.push({ ...doc, _id: next, id: next++, n: (o.n + j) % 6 });
                both((coll) => ({ insert: coll, documents: docs.map((d) => ({ ...d })) }));
                live.push(...docs.map((d) => d._id as number));
                break;
              }
              case 'setN':
                if (target !== undefined)
                  both((coll) => ({
                    update: coll,
                    updates: [{ q: { _id: target }, u: { $set: { n: o.n } } }],
                  }));
                break;
              case 'setTags':
                if (target !== undefined)
                  both((coll) => ({
                    update: coll,
                    updates: [
                      {
                        q: { _id: target },
                        u: o.tags ? { $set: { tags: o.tags } } : { $unset: { tags: 1 } },
                      },
                    ],
                  }));
                break;
              case 'delete':
                if (target !== undefined) {
                  both((coll) => ({ delete: coll, deletes: [{ q: { _id: target }, limit: 1 }] }));
                  live.splice(live.indexOf(target), 1);
                }
                break;
              case 'merge':
                store.mergePending();
                expect(store.pending.pending).toBe(0);
                break;
              case 'reopen':
                store.close();
                store = new Store(file);
                cursors = new CursorRegistry();
                break;
              case 'crash':
                // Gone without closing (Store.close would merge first): the buffers are rebuilt from the pending rows.
                store.db.close();
                store = new Store(file);
                cursors = new CursorRegistry();
                break;
              case 'rollback':
                // A transaction that writes index entries and then fails leaves no trace of them.
                expect(() =>
                  store.transaction(() => {
                    const c = store.getCollection('p', 'ix')!;
                    c.insert({ _id: -1 - next, id: -1 - next, n: o.n, tags: ['card'] });
                    const first = c.page(0, 1)[0];
                    if (first) c.remove(first.rid, first.doc);
                    throw new Error('rolled back');
                  }),
                ).toThrow('rolled back');
                break;
            }
            check();
          }
          store.mergePending();
          check();
          store.close();
        },
      ),
      {
        numRuns: 100,
        examples: [
          // A merged key deleted and added back before the next merge: buffered ADD and the table's row are one entry.
          [
            [
              { kind: 'insert', batch: false, n: 4, tags: ['card', 'card'] },
              { kind: 'merge' },
              { kind: 'setN', pick: 0, n: 0 },
              { kind: 'setN', pick: 0, n: 4 },
              { kind: 'setTags', pick: 0, tags: null },
              { kind: 'setTags', pick: 0, tags: ['card'] },
            ],
            1,
          ],
          // SQLite gives a deleted last row's rid to the next insert, while the table still holds its merged keys.
          [
            [
              { kind: 'insert', batch: false, n: 4, tags: ['card'] },
              { kind: 'merge' },
              { kind: 'delete', pick: 0 },
              { kind: 'insert', batch: false, n: 4, tags: ['card'] },
            ],
            2,
          ],
          [
            [
              { kind: 'insert', batch: false, n: 4, tags: ['card'] },
              { kind: 'merge' },
              { kind: 'delete', pick: 0 },
              { kind: 'crash' },
              { kind: 'insert', batch: false, n: 4, tags: ['card'] },
            ],
            3,
          ],
        ],
      },
    );
  });

  it('merges as it goes when one write buffers more than the limit, and survives a restart mid-way', () => {
    const file = join(dir, 'large.sqlite');
    let store = new Store(file);
    const cmd = (c: Document): Document =>
      runCommand({ ...c, $db: 'p' }, { store, cursors: new CursorRegistry(), connectionId: 1 });
    cmd({ createIndexes: 'big', indexes: [{ key: { tags: 1 }, name: 'tags_1' }] });
    const docs = Array.from({ length: 12_000 }, (_, i) => ({
      _id: i,
      tags: [`t${i % 50}`, `u${i % 7}`],
    }));
    cmd({ insert: 'big', documents: docs });
    // A large insert writes its keys to the tables; an update of every document buffers its changes.
    expect(store.pending.pending).toBe(0);
    const count = (filter: Document) => cmd({ count: 'big', query: filter }).n as number;
    expect(count({ tags: 't7' })).toBe(240);
    cmd({
      update: 'big',
      updates: [{ q: { _id: { $gte: 2000 } }, u: { $set: { tags: ['x', `u${1}`] } }, multi: true }],
    });
    // 40,000 key changes in one transaction: merged in the middle, so fewer than the limit stay buffered.
    expect(store.pending.pending).toBeGreaterThan(0);
    expect(store.pending.pending).toBeLessThan(20_000);
    const kept = docs.slice(0, 2000);
    expect(count({ tags: 't7' })).toBe(kept.filter((d) => d.tags.includes('t7')).length);
    expect(count({ tags: 'x' })).toBe(10_000);
    expect(count({ tags: { $in: ['u1', 't7'] } })).toBe(
      10_000 + kept.filter((d) => d.tags.includes('u1') || d.tags.includes('t7')).length,
    );
    store.db.close();
    store = new Store(file);
    expect(count({ tags: 'x' })).toBe(10_000);
    expect(count({ tags: 'u0' })).toBe(kept.filter((d) => d.tags.includes('u0')).length);
    store.close();
  });

  it('does not take a reused rid for a new one after a crash', () => {
    // SQLite gives the next insert the rid of a deleted last row; the index table can still hold
    // that row's keys when the delete was buffered and the process died before merging it.
    const file = join(dir, 'reused.sqlite');
    let store = new Store(file);
    const cmd = (c: Document): Document =>
      runCommand({ ...c, $db: 'p' }, { store, cursors: new CursorRegistry(), connectionId: 1 });
    cmd({ createIndexes: 'r', indexes: [{ key: { n: 1 }, name: 'n_1' }] });
    cmd({ insert: 'r', documents: [{ _id: 1, n: 4 }] });
    store.mergePending();
    cmd({ delete: 'r', deletes: [{ q: { _id: 1 }, limit: 1 }] });
    store.db.close();
    store = new Store(file);
    cmd({ insert: 'r', documents: [{ _id: 2, n: 4 }] });
    expect(cmd({ count: 'r', query: { n: 4 } }).n).toBe(1);
    // The same in a batch that writes keys straight to the tables: the reused rid still goes through the buffer.
    cmd({ delete: 'r', deletes: [{ q: { _id: 2 }, limit: 1 }] });
    store.db.close();
    store = new Store(file);
    cmd({
      insert: 'r',
      documents: Array.from({ length: DIRECT_BATCH }, (_, j) => ({ _id: 10 + j, n: 4 + j })),
    });
    expect(cmd({ count: 'r', query: { n: 4 } }).n).toBe(1);
    expect(cmd({ count: 'r', query: { n: { $in: [5, 11] } } }).n).toBe(2);
    expect(
      (cmd({ find: 'r', filter: { n: 4 } }).cursor as { firstBatch: Document[] }).firstBatch,
    ).toEqual([{ _id: 10, n: 4 }]);
    store.close();
  });
});
