import { MongoClient, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';

interface Explained {
  queryPlanner: { winningPlan: { stage: string; inputStage: Document } };
  executionStats: { nReturned: number; totalDocsExamined: number };
}

const STATUSES = ['ALLOWED', 'BLOCKED', 'PENDING', 'TIMEOUT', 'REVEALED'];

/**
 * `$in` on indexed fields: index ranges per value, merged in sort order. Every answer is checked
 * against the same query wrapped in `$and`, which the planner does not look into (a collection
 * scan and an in-memory sort: the reference).
 */
describe('$in planning', () => {
  let store: EmbeddedMongo;
  let client: MongoClient;
  const coll = () => client.db('inplan').collection('audit');

  beforeAll(async () => {
    store = await startEmbeddedMongo();
    client = await MongoClient.connect(store.uri);
    await coll().createIndex({ id: -1 }, { unique: true });
    await coll().createIndex({ status: 1, id: -1 });
    await coll().createIndex({ agent: 1, status: 1, at: 1 });
    await coll().createIndex({ tags: 1 });
    await coll().insertMany(
      Array.from({ length: 3000 }, (_, id) => ({
        id,
        // Uneven: BLOCKED and TIMEOUT are rare, as on a real dashboard.
        status: STATUSES[id % 97 === 0 ? 3 : id % 13 === 0 ? 1 : id % 5 === 0 ? 2 : id % 7 === 0 ? 4 : 0],
        agent: `a${id % 4}`,
        at: (id * 7919) % 1000,
        tags: id % 50 === 0 ? ['x', 'y'] : [`t${id % 3}`],
      })),
    );
  });
  afterAll(async () => {
    await client.close();
    await store.close();
  });

  const ids = async (filter: Document, sort: Document, skip = 0, limit = 0, batchSize?: number) => {
    let cursor = coll().find(filter).sort(sort).skip(skip).limit(limit);
    if (batchSize) cursor = cursor.batchSize(batchSize);
    return (await cursor.toArray()).map((d) => d.id as number);
  };
  const explain = (filter: Document, sort: Document, limit: number) =>
    coll().find(filter).sort(sort).limit(limit).explain('executionStats') as Promise<unknown> as Promise<Explained>;

  it('answers like a collection scan for every shape of $in, sort, skip and limit', async () => {
    const filters: Document[] = [
      { status: { $in: ['TIMEOUT'] } },
      { status: { $in: ['BLOCKED', 'TIMEOUT'] } },
      { status: { $in: ['TIMEOUT', 'BLOCKED', 'TIMEOUT', 'NOPE'] } },
      { status: { $in: ['BLOCKED', 'TIMEOUT'] }, id: { $lt: 1500 } },
      { status: { $in: ['BLOCKED', 'PENDING'] }, id: { $gte: 100, $lt: 900 } },
      { agent: { $in: ['a1', 'a3'] }, status: { $in: ['BLOCKED', 'REVEALED'] } },
      { agent: 'a2', status: { $in: ['ALLOWED', 'PENDING'] }, at: { $gt: 500 } },
      { agent: { $in: ['a0', 'a1'] }, status: 'BLOCKED', id: { $gt: 10 } },
      { tags: { $in: ['x', 'y', 't1'] } },
      { status: { $in: ['BLOCKED', 7, null] } },
    ];
    const sorts: Document[] = [{ id: -1 }, { id: 1 }, { at: 1, id: 1 }, {}];
    for (const filter of filters) {
      for (const sort of sorts) {
        for (const [skip, limit] of [[0, 0], [0, 51], [3, 10], [0, 1]] as const) {
          const got = await ids(filter, sort, skip, limit, 7);
          const want = await ids({ $and: [filter] }, sort, skip, limit);
          const label = JSON.stringify({ filter, sort, skip, limit });
          // Without a sort the order is unspecified: compare as sets (and only unlimited results).
          if (Object.keys(sort).length === 0) {
            if (limit === 0) expect([...got].sort((a, b) => a - b), label).toEqual([...want].sort((a, b) => a - b));
            else expect(new Set(got).size, label).toBe(Math.min(limit, Math.max(0, (await ids({ $and: [filter] }, {})).length - skip)));
          } else expect(got, label).toEqual(want);
        }
      }
    }
  });

  it('reads only what the page needs from the {status, id} index for a multi-value $in', async () => {
    const plan = await explain({ status: { $in: ['BLOCKED', 'TIMEOUT'] } }, { id: -1 }, 20);
    expect(plan.queryPlanner.winningPlan).toMatchObject({ stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'status_1_id_-1' } });
    expect(plan.executionStats.nReturned).toBe(20);
    // At most the page from each of the two ranges, not a scan of the id index.
    expect(plan.executionStats.totalDocsExamined).toBeLessThanOrEqual(40);
    const one = await explain({ status: { $in: ['TIMEOUT'] } }, { id: -1 }, 20);
    expect(one.queryPlanner.winningPlan.inputStage).toMatchObject({ indexName: 'status_1_id_-1' });
    expect(one.executionStats.totalDocsExamined).toBe(20);
  });

  it('serves a $in of thousands of values from the index, not a collection scan', async () => {
    // e.g. the server looking up a local-mode batch's entry keys (up to 2,000 of them)
    const ids = Array.from({ length: 2500 }, (_, i) => i * 3 + 1_000_000);
    ids.push(7, 8, 9);
    const plan = await explain({ id: { $in: ids } }, {}, 0);
    expect(plan.queryPlanner.winningPlan.inputStage).toMatchObject({ stage: 'IXSCAN', indexName: 'id_-1' });
    expect(plan.executionStats.nReturned).toBe(3);
    expect(plan.executionStats.totalDocsExamined).toBe(3);
  });

  it('counts a multi-value $in from index entries', async () => {
    const n = await coll().countDocuments({ status: { $in: ['BLOCKED', 'TIMEOUT', 'BLOCKED'] } });
    expect(n).toBe(await coll().countDocuments({ $and: [{ status: { $in: ['BLOCKED', 'TIMEOUT'] } }] }));
    expect(n).toBeGreaterThan(200);
  });
});
