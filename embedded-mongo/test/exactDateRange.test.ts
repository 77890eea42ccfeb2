import fc from 'fast-check';
import { Long, MongoClient, Timestamp, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';
import { compileFilter } from '../src/query/matcher.js';
import { simpleMatcher } from '../src/query/simpleMatch.js';

/**
 * A date range after an equality prefix is answered from index entries alone (counts) and without
 * re-checking documents (finds) when its bounds are inclusive dates: "this agent's calls since t",
 * what a policy's history.count asks on every call. Each answer must equal the plain matcher's on
 * a collection without indexes, whatever the data around the bounds.
 */
describe('exact date ranges in the planner', () => {
  let store: EmbeddedMongo;
  let client: MongoClient;
  const db = () => client.db('exact');

  beforeAll(async () => {
    store = await startEmbeddedMongo();
    client = await MongoClient.connect(store.uri);
  });
  afterAll(async () => {
    await client.close();
    await store.close();
  });

  it('count and find agree with a scan for every kind of bound, on ascending and descending indexes', async () => {
    const base = Date.UTC(2026, 11, 4);
    const at = (minute: number) => new Date(base + minute * 60_000);
    // Timestamps on a few minutes (many equal to a bound), some not dates at all.
    const stamp = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0, max: 6 }).map(at) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 'yesterday', 42, undefined) },
    );
    const doc = fc.record({
      agent: fc.constantFrom('a', 'b'),
      status: fc.constantFrom('ALLOWED', 'BLOCKED'),
      t: stamp,
    });
    const bound = fc.option(fc.integer({ min: -1, max: 7 }).map(at), { nil: undefined, freq: 2 });
    const filter = fc
      .record({ gte: bound, lte: bound, gt: bound, lt: bound, status: fc.boolean() })
      .filter((f) => [f.gte, f.lte, f.gt, f.lt].some((b) => b !== undefined))
      .map((f) => {
        const t: Document = {};
        if (f.gte) t.$gte = f.gte;
        if (f.lte) t.$lte = f.lte;
        if (f.gt) t.$gt = f.gt;
        if (f.lt) t.$lt = f.lt;
        return { agent: 'a', ...(f.status ? { status: 'ALLOWED' } : {}), t };
      });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(doc, { maxLength: 60 }),
        fc.array(filter, { minLength: 1, maxLength: 5 }),
        async (docs, filters) => {
          run++;
          const plain = db().collection(`plain${run}`);
          const asc = db().collection(`asc${run}`);
          const desc = db().collection(`desc${run}`);
          await asc.createIndex({ agent: 1, status: 1, t: 1 });
          await asc.createIndex({ agent: 1, t: 1 });
          await desc.createIndex({ agent: 1, status: 1, t: -1 });
          await desc.createIndex({ agent: 1, t: -1 });
          const rows = docs.map((d, i) => {
            const row: Document = { _id: i, agent: d.agent, status: d.status };
            if (d.t !== undefined) row.t = d.t;
            return row;
          });
          if (rows.length > 0)
            for (const c of [plain, asc, desc]) await c.insertMany(rows.map((r) => ({ ...r })));
          for (const f of filters) {
            const expected = await plain.countDocuments(f);
            const ids = (await plain.find(f).sort({ _id: 1 }).toArray()).map((d) => d._id);
            for (const c of [asc, desc]) {
              expect(await c.countDocuments(f)).toBe(expected);
              expect((await c.find(f).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(ids);
            }
          }
          await Promise.all(
            [plain.drop(), asc.drop(), desc.drop()].map((p) => p.catch(() => undefined)),
          );
        },
      ),
      { numRuns: 250, endOnFailure: true },
    );
  });

  it('counts from index entries: the count of a date range matches the scan on 3,000 documents', async () => {
    const c = db().collection('history');
    await c.createIndex({ agent: 1, action: 1, status: 1, timestamp: -1 });
    const since = new Date(Date.UTC(2026, 11, 4, 12));
    await c.insertMany(
      Array.from({ length: 3000 }, (_, i) => ({
        agent: i % 3 ? 'teller' : 'loans',
        action: i % 2 ? 'access_ssn' : 'noop',
        status: i % 7 ? 'ALLOWED' : 'BLOCKED',
        timestamp: new Date(since.getTime() + (i - 1500) * 1000),
      })),
    );
    const filter = {
      agent: 'teller',
      action: 'access_ssn',
      status: 'ALLOWED',
      timestamp: { $gte: since },
    };
    const scanned = (await c.find({}).toArray()).filter(
      (d) =>
        d.agent === 'teller' &&
        d.action === 'access_ssn' &&
        d.status === 'ALLOWED' &&
        (d.timestamp as Date) >= since,
    ).length;
    expect(scanned).toBeGreaterThan(400);
    expect(await c.countDocuments(filter)).toBe(scanned);
    const plan = (await c.find(filter).explain('executionStats')) as unknown as {
      executionStats: { totalDocsExamined: number; nReturned: number };
    };
    expect(plan.executionStats.nReturned).toBe(scanned);
  });

  // A rollup upsert names its bucket by equalities that include a date (`t`): the plan is exact
  // on a flat index and the quick matcher decides dates without mingo. Both must agree with the
  // full matcher whatever the field holds (arrays of dates, other types, the same instant).
  const minute = (m: number) => new Date(Date.UTC(2026, 11, 4) + m * 60_000);
  const held = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }).map(minute) },
    {
      weight: 2,
      arbitrary: fc.array(fc.integer({ min: 0, max: 3 }).map(minute), { maxLength: 3 }),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom<unknown>(
        null,
        undefined,
        'x',
        0,
        minute(1).getTime(),
        new Timestamp({ t: 1, i: 1 }),
        Long.fromNumber(5),
        { t: minute(1) },
        [[minute(1)]],
      ),
    },
  );

  it('the quick matcher decides date equality as the full matcher does', () => {
    fc.assert(
      fc.property(held, fc.integer({ min: 0, max: 3 }), (value, m) => {
        const filter = { k: 'ag', t: minute(m) };
        const doc: Document = { k: 'ag' };
        if (value !== undefined) doc.t = value;
        const quick = simpleMatcher(filter, () => compileFilter(filter));
        expect(quick).toBeDefined();
        expect(quick!(doc)).toBe(compileFilter(filter)(doc));
      }),
      { numRuns: 500 },
    );
  });

  it('equality on a date after an equality prefix: finds and counts agree with a scan', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ k: fc.constantFrom('ag', 'ca'), t: held }), { maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
        async (docs, minutes) => {
          const c = db().collection('dateEq');
          await c.drop().catch(() => undefined);
          await c.createIndex({ k: 1, t: 1 }, { unique: false });
          const rows = docs.map((d, i) => {
            const row: Document = { _id: i, k: d.k };
            if (d.t !== undefined) row.t = d.t;
            return row;
          });
          if (rows.length > 0) await c.insertMany(rows);
          const filters = [
            { k: 'ag', t: minute(minutes[0]!) },
            { k: 'ag', t: { $in: minutes.map(minute) } },
          ];
          for (const f of filters) {
            const matches = compileFilter(f);
            const ids = rows.filter((r) => matches(r)).map((r) => r._id as number);
            expect((await c.find(f).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(ids);
            expect(await c.countDocuments(f)).toBe(ids.length);
          }
        },
      ),
      { numRuns: 150, endOnFailure: true },
    );
  });
});
