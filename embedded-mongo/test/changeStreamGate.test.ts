import fc from 'fast-check';
import { serialize, type Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { collectionsOf, gateOf, type OperationType } from '../src/changeStreams/gate.js';
import { compileFilter } from '../src/query/matcher.js';

const COLLS = ['audit_log', 'audit_rollups', 'agents', 'change_events'];
const OPS: OperationType[] = ['insert', 'update', 'replace', 'delete'];

/** An event as the cursor builds it, with a document field the gate never looks at. */
const event = (coll: string, operationType: OperationType, writer: string): Document => ({
  operationType,
  ns: { db: 'aegis', coll },
  fullDocument: { writer },
});

describe('the change stream gate (skips oplog entries before they are decoded)', () => {
  it('skips what the server feed filter cannot want, and nothing it can', () => {
    const stages = [
      {
        $match: {
          $or: [
            {
              'ns.coll': 'audit_log',
              operationType: 'insert',
              'fullDocument.writer': { $ne: 'me' },
            },
            { 'ns.coll': 'change_events', operationType: 'insert' },
            { 'ns.coll': { $in: ['agents', 'policies'] } },
          ],
        },
      },
    ];
    const gate = gateOf(stages);
    expect(collectionsOf(stages)).toEqual(
      new Set(['audit_log', 'change_events', 'agents', 'policies']),
    );
    expect(gate('audit_rollups', 'update')).toBe(false);
    expect(gate('audit_log', 'update')).toBe(false);
    expect(gate('approvals', 'insert')).toBe(false);
    expect(gate('audit_log', 'insert')).toBe(true);
    expect(gate('agents', 'delete')).toBe(true);
    expect(gate('change_events', 'insert')).toBe(true);
  });

  it("skips a server's own inserts by their raw writer field, and nothing else", () => {
    const gate = gateOf([
      {
        $match: {
          $or: [
            {
              'ns.coll': 'audit_log',
              operationType: 'insert',
              'fullDocument.writer': { $ne: 'me' },
            },
            { 'ns.coll': 'agents' },
          ],
        },
      },
    ]);
    const raw = (doc: Document) => Buffer.from(serialize(doc));
    const entry = { id: 7, agent: 'a', terms: ['x', 'y'], at: new Date(), n: 1.5, big: 2n ** 40n };
    expect(gate('audit_log', 'insert', raw({ ...entry, writer: 'me' }))).toBe(false);
    expect(gate('audit_log', 'insert', raw({ writer: 'me', ...entry }))).toBe(false);
    expect(gate('audit_log', 'insert', raw({ ...entry, writer: 'you' }))).toBe(true);
    // Not a plain string once: the real filter decides.
    expect(gate('audit_log', 'insert', raw(entry))).toBe(true);
    expect(gate('audit_log', 'insert', raw({ ...entry, writer: ['me'] }))).toBe(true);
    expect(gate('audit_log', 'insert', raw({ ...entry, writer: { me: 1 } }))).toBe(true);
    expect(gate('audit_log', 'insert', raw({ ...entry, writer: null }))).toBe(true);
    // Without the document (an update), only the namespace and operation count.
    expect(gate('audit_log', 'insert')).toBe(true);
    // A different collection's branch does not care about the writer.
    expect(gate('agents', 'insert', raw({ writer: 'me' }))).toBe(true);
    // Truncated bytes never make it refuse.
    expect(gate('audit_log', 'insert', raw({ ...entry, writer: 'me' }).subarray(0, 20))).toBe(true);
  });

  it('lets everything through when a condition is not one it understands', () => {
    for (const match of [
      { 'ns.coll': /^audit/ },
      { 'ns.coll': { $regex: '^audit' } },
      { $nor: [{ 'ns.coll': 'audit_log' }] },
      { $expr: { $eq: ['$ns.coll', 'x'] } },
      { ns: { db: 'aegis', coll: 'x' } },
      { 'ns.coll': { $in: ['x', /y/] } },
      { $or: [] },
    ]) {
      const gate = gateOf([{ $match: match }]);
      for (const coll of COLLS) for (const op of OPS) expect(gate(coll, op)).toBe(true);
      expect(collectionsOf([{ $match: match }])).toBeNull();
    }
    // A $match after another stage is not a leading one: it may see changed events.
    const late = gateOf([{ $addFields: { 'ns.coll': 'x' } }, { $match: { 'ns.coll': 'x' } }]);
    expect(late('audit_log', 'insert')).toBe(true);
    expect(
      collectionsOf([{ $addFields: { 'ns.coll': 'x' } }, { $match: { 'ns.coll': 'x' } }]),
    ).toBeNull();
  });

  it('never refuses an event the real filter keeps (random filters and events)', () => {
    const value = fc.constantFrom(...COLLS, 'other');
    const opValue = fc.constantFrom(...OPS);
    const condition = (v: fc.Arbitrary<string>) =>
      fc.oneof(
        v,
        v.map(($eq) => ({ $eq })),
        v.map(($ne) => ({ $ne })),
        fc.array(v, { minLength: 1, maxLength: 3 }).map(($in) => ({ $in })),
        fc.array(v, { minLength: 1, maxLength: 3 }).map(($nin) => ({ $nin })),
        fc.constant({ $exists: true }),
      );
    const leaf = fc.record(
      {
        'ns.coll': condition(value),
        operationType: condition(opValue),
        'fullDocument.writer': fc.constantFrom('me', 'you', { $ne: 'me' }),
      },
      { requiredKeys: [] },
    );
    const filter: fc.Arbitrary<Document> = fc.letrec<{ f: Document }>((tie) => ({
      f: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map(($or) => ({ $or })),
        fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map(($and) => ({ $and })),
      ),
    })).f;
    fc.assert(
      fc.property(
        fc.array(filter, { minLength: 1, maxLength: 2 }),
        value,
        opValue,
        fc.constantFrom('me', 'you'),
        (filters, coll, op, writer) => {
          const e = event(coll, op, writer);
          const kept = filters.every((f) => compileFilter(f)(e));
          const stages = filters.map(($match) => ({ $match }));
          const gate = gateOf(stages);
          const colls = collectionsOf(stages);
          if (kept) expect(gate(coll, op)).toBe(true);
          // With the raw full document (inserts and replacements carry it).
          if (kept)
            expect(gate(coll, op, Buffer.from(serialize(e.fullDocument as Document)))).toBe(true);
          if (kept && colls) expect(colls.has(coll)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
