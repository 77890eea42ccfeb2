import { MongoClient, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';

interface Explained {
  queryPlanner: { winningPlan: Document };
  executionStats: { nReturned: number; totalDocsExamined: number };
}

describe('query planner', () => {
  let store: EmbeddedMongo;
  let client: MongoClient;
  const coll = () => client.db('plan').collection('audit');

  beforeAll(async () => {
    store = await startEmbeddedMongo();
    client = await MongoClient.connect(store.uri);
    await coll().insertMany(Array.from({ length: 2000 }, (_, id) => ({ id, agent_name: `agent-${id % 10}`, at: new Date(id * 1000) })));
    await coll().createIndex({ agent_name: 1, id: -1 });
  });
  afterAll(async () => {
    await client.close();
    await store.close();
  });

  const explain = (filter: Document, sort: Document, limit: number) => coll().find(filter).sort(sort).limit(limit).explain('executionStats') as Promise<unknown> as Promise<Explained>;

  it('answers "last 50 of one agent, newest first" from the compound index without a scan', async () => {
    const docs = await coll().find({ agent_name: 'agent-3' }).sort({ id: -1 }).limit(50).toArray();
    expect(docs.map((d) => d.id as number)).toEqual(Array.from({ length: 50 }, (_, i) => 1993 - i * 10));
    const plan = await explain({ agent_name: 'agent-3' }, { id: -1 }, 50);
    expect(plan.queryPlanner.winningPlan).toMatchObject({ stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'agent_name_1_id_-1' } });
    expect(plan.executionStats.totalDocsExamined).toBe(50);
    // countDocuments is answered from index entries; the count must agree with a real scan.
    expect(await coll().countDocuments({ agent_name: 'agent-3' })).toBe(200);
    expect(await coll().countDocuments({ agent_name: 'agent-3', at: { $exists: true } })).toBe(200);
  });

  it('reads the index in order when the sort names fields the filter holds to one value', async () => {
    // The analytics' "oldest bucket" query: {k, g} fixed, sorted by {k, g, t} (it sorted every
    // matching document in memory: 17 s over 1,000,000 rollup documents).
    const docs = await coll().find({ agent_name: 'agent-3' }).sort({ agent_name: 1, id: -1 }).limit(5).toArray();
    expect(docs.map((d) => d.id as number)).toEqual([1993, 1983, 1973, 1963, 1953]);
    const plan = await explain({ agent_name: 'agent-3' }, { agent_name: -1, id: 1 }, 2);
    expect(plan.queryPlanner.winningPlan).toMatchObject({ stage: 'FETCH', inputStage: { stage: 'IXSCAN' } });
    expect(plan.executionStats.totalDocsExamined).toBe(2);
    expect((await coll().find({ agent_name: 'agent-3' }).sort({ agent_name: -1, id: 1 }).limit(2).toArray()).map((d) => d.id as number)).toEqual([3, 13]);
    // Several values ($in) still order across them: sorted in memory, as before.
    const both = await coll().find({ agent_name: { $in: ['agent-3', 'agent-4'] } }).sort({ agent_name: -1, id: 1 }).limit(3).toArray();
    expect(both.map((d) => [d.agent_name as string, d.id as number])).toEqual([['agent-4', 4], ['agent-4', 14], ['agent-4', 24]]);
    // An array field is not one value even when the filter names one: it sorts by its smallest
    // element, so it still needs sorting.
    const tagged = client.db('plan').collection('tagged');
    await tagged.insertMany([
      { tags: ['b', 'z'], n: 1 },
      { tags: ['a', 'b'], n: 2 },
      { tags: ['b'], n: 3 },
    ]);
    await tagged.createIndex({ tags: 1, n: 1 });
    const sorted = await tagged.find({ tags: 'b' }).sort({ tags: 1, n: -1 }).toArray();
    expect(sorted.map((d) => d.n as number)).toEqual([2, 3, 1]);
  });

  it('reads the same index backwards for the opposite sort, and serves ranges', async () => {
    const oldest = await coll().find({ agent_name: 'agent-3', id: { $gte: 100, $lt: 200 } }).sort({ id: 1 }).limit(3).toArray();
    expect(oldest.map((d) => d.id as number)).toEqual([103, 113, 123]);
    const plan = await explain({ agent_name: 'agent-3', id: { $gte: 100, $lt: 200 } }, { id: 1 }, 3);
    expect(plan.queryPlanner.winningPlan.inputStage).toMatchObject({ stage: 'IXSCAN' });
    expect(plan.executionStats.totalDocsExamined).toBe(3);
  });

  it('turns $in on an indexed field into point lookups (what populate sends)', async () => {
    const picked = await coll().find({ id: { $gte: 0 } }, { projection: { _id: 1, id: 1 } }).limit(3).toArray();
    const ids = picked.map((d) => d._id);
    const found = await coll().find({ _id: { $in: [...ids].reverse() } }).toArray();
    expect(found.map((d) => d.id as number).sort((a, b) => a - b)).toEqual(picked.map((d) => d.id as number).sort((a, b) => a - b));
    const plan = (await coll().find({ _id: { $in: ids } }).explain('executionStats')) as unknown as Explained;
    expect(plan.queryPlanner.winningPlan.inputStage).toMatchObject({ stage: 'IXSCAN', indexName: '_id_' });
    expect(plan.executionStats.totalDocsExamined).toBe(3);
  });

  it('uses a sparse index for non-null equality and $in, never for null', async () => {
    const sparse = client.db('plan').collection('sparse');
    await sparse.createIndex({ key: 1 }, { unique: true, sparse: true });
    await sparse.insertMany([{ key: 'a' }, { key: 'b' }, { other: 1 }, { other: 2 }]);
    expect(await sparse.countDocuments({ key: { $in: ['a', 'b', 'z'] } })).toBe(2);
    expect(await sparse.countDocuments({ key: 'b' })).toBe(1);
    expect(await sparse.countDocuments({ key: null })).toBe(2);
    const plan = (await sparse.find({ key: 'a' }).explain('executionStats')) as unknown as Explained;
    expect(plan.queryPlanner.winningPlan.inputStage).toMatchObject({ stage: 'IXSCAN', indexName: 'key_1' });
  });

  it('sorts in memory the candidates of an index it cannot sort by', async () => {
    const docs = await coll().find({ agent_name: 'agent-3' }).sort({ at: 1 }).limit(2).toArray();
    expect(docs.map((d) => d.id as number)).toEqual([3, 13]);
    const plan = await explain({ agent_name: 'agent-3' }, { at: 1 }, 2);
    expect(plan.queryPlanner.winningPlan).toMatchObject({ stage: 'SORT', inputStage: { inputStage: { stage: 'IXSCAN' } } });
    expect(plan.executionStats.totalDocsExamined).toBe(200);
  });

  it('falls back to a collection scan and an in-memory sort when no index fits', async () => {
    const plan = await explain({ at: { $gte: new Date(0) } }, { at: -1 }, 5);
    expect(plan.queryPlanner.winningPlan).toMatchObject({ stage: 'SORT', inputStage: { inputStage: { stage: 'COLLSCAN' } } });
    expect(plan.executionStats).toMatchObject({ nReturned: 5, totalDocsExamined: 2000 });
  });

  it('streams results across getMore batches from scans and index ranges', async () => {
    const scanned = await coll().find({}).batchSize(7).toArray();
    expect(scanned.map((d) => d.id as number)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    const ranged = await coll().find({ agent_name: 'agent-5' }).sort({ id: -1 }).skip(3).batchSize(9).toArray();
    expect(ranged.map((d) => d.id as number)).toEqual(Array.from({ length: 197 }, (_, i) => 1965 - i * 10));
    const tags = client.db('plan').collection('tags');
    await tags.createIndex({ t: 1 });
    await tags.insertMany(Array.from({ length: 50 }, (_, i) => ({ i, t: ['x', 'y', `z${i}`] })));
    const multikey = await tags.find({ t: { $gte: 'x' } }).sort({ i: 1 }).batchSize(4).toArray();
    expect(multikey.map((d) => d.i as number)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const viaIndex = await tags.find({ t: { $gte: 'x' } }).batchSize(4).toArray();
    expect(viaIndex).toHaveLength(50);
  });

  it('reads an array field in the equality prefix in the order of the flat fields after it (path-level multikey)', async () => {
    const words = client.db('plan').collection('words');
    await words.createIndex({ terms: 1, id: -1 });
    await words.insertMany(Array.from({ length: 3000 }, (_, id) => ({ id, terms: ['common', `w${id % 7}`, 'common'] })));
    const newest = await words.find({ terms: 'common' }).sort({ id: -1 }).limit(20).toArray();
    expect(newest.map((d) => d.id as number)).toEqual(Array.from({ length: 20 }, (_, i) => 2999 - i));
    const plan = (await words.find({ terms: 'common' }).sort({ id: -1 }).limit(20).explain('executionStats')) as unknown as Explained;
    expect(plan.executionStats.totalDocsExamined).toBe(20);
    const two = await words.find({ terms: { $in: ['w1', 'w2'] } }).sort({ id: -1 }).limit(5).toArray();
    expect(two.map((d) => d.id as number)).toEqual([2998, 2997, 2991, 2990, 2984]);
    // once the sort field itself holds an array, the index order no longer gives the sort
    await words.insertOne({ id: [5000, -1], terms: ['common'] });
    const after = await words.find({ terms: 'common' }).sort({ id: -1 }).limit(2).toArray();
    expect(after.map((d) => d.id as unknown)).toEqual([[5000, -1], 2999]);
  });

  it('keeps the index consistent through updates and deletes', async () => {
    await coll().updateMany({ agent_name: 'agent-3', id: { $gte: 1900 } }, { $set: { agent_name: 'agent-x' } });
    await coll().deleteMany({ agent_name: 'agent-x', id: { $lt: 1950 } });
    const moved = await coll().find({ agent_name: 'agent-x' }).sort({ id: -1 }).toArray();
    expect(moved.map((d) => d.id as number)).toEqual([1993, 1983, 1973, 1963, 1953]);
    const [top] = await coll().find({ agent_name: 'agent-3' }).sort({ id: -1 }).limit(1).toArray();
    expect(top?.id).toBe(1893);
  });

  it('an index scan decodes only documents whose bytes hold the filter\'s strings, and answers the same', async () => {
    const search = client.db('plan').collection('search');
    const statuses = ['ALLOWED', 'BLOCKED', 'PENDING'];
    const words = ['invoice', 'wire', 'refund', 'memo'];
    await search.insertMany(
      Array.from({ length: 3000 }, (_, id) => ({
        id,
        agent: `agent-${id % 7}`,
        status: statuses[(id * 7) % 3],
        terms: [words[id % 4], words[(id >> 2) % 4], 'invoice'],
        // The same strings elsewhere: in a nested object and as a key, which the bytes check
        // lets through and the full filter must still refuse.
        note: id % 5 === 0 ? { status: 'BLOCKED', wire: 1 } : 'plain',
      })),
    );
    await search.createIndex({ agent: 1, id: -1 });
    const all = await search.find({}).toArray();
    const has = (d: Document, word: string) => (d.terms as string[]).includes(word);
    const cases: Array<[Document, (d: Document) => boolean]> = [
      [{ agent: { $in: ['agent-3'] }, status: { $in: ['BLOCKED'] }, terms: 'wire', $and: [{ terms: 'invoice' }] },
        (d) => d.agent === 'agent-3' && d.status === 'BLOCKED' && has(d, 'wire')],
      [{ agent: 'agent-2', status: 'PENDING' }, (d) => d.agent === 'agent-2' && d.status === 'PENDING'],
      [{ agent: 'agent-1', status: { $in: ['ALLOWED', 'BLOCKED'] }, terms: 'refund' },
        (d) => d.agent === 'agent-1' && d.status !== 'PENDING' && has(d, 'refund')],
      [{ agent: 'agent-4', 'note.status': 'BLOCKED' }, (d) => d.agent === 'agent-4' && d.note?.status === 'BLOCKED'],
      [{ agent: 'agent-5', status: { $in: ['wire'] } }, () => false],
    ];
    for (const [filter, oracle] of cases) {
      const want = all.filter(oracle).sort((a, b) => b.id - a.id).map((d) => d.id as number);
      const got = await search.find(filter).sort({ id: -1 }).toArray();
      expect({ filter, ids: got.map((d) => d.id as number) }).toEqual({ filter, ids: want });
    }
    // One agent's 429 entries, 1 in 6 of them BLOCKED with the word: only those are decoded.
    const plan = (await search
      .find(cases[0]![0])
      .sort({ id: -1 })
      .explain('executionStats')) as unknown as Explained;
    expect(plan.queryPlanner.winningPlan.inputStage).toMatchObject({ stage: 'IXSCAN', indexName: 'agent_1_id_-1' });
    expect(plan.executionStats.totalDocsExamined).toBeLessThan(429 / 2);
  });

  it('between indexes that fit a query equally, reads the one whose range holds fewer entries', async () => {
    // The Activity page's "this agent's errors": {agent, status} newest first, with indexes
    // {agent, id} and {status, id}. Through the first, every one of the agent's entries was read
    // to find none (a viewer could keep the store busy for everyone); the second's range is empty.
    const log = client.db('plan').collection('log');
    await log.insertMany(Array.from({ length: 3000 }, (_, id) => ({ id, agent: id % 3 ? 'busy' : 'quiet', status: id === 7 ? 'ERROR' : 'ALLOWED' })));
    await log.createIndex({ agent: 1, id: -1 });
    await log.createIndex({ status: 1, id: -1 });
    const explainLog = (filter: Document) => log.find(filter).sort({ id: -1 }).limit(50).explain('executionStats') as Promise<unknown> as Promise<Explained>;

    const none = await explainLog({ agent: 'quiet', status: 'ERROR' });
    expect(none.queryPlanner.winningPlan).toMatchObject({ inputStage: { stage: 'IXSCAN', indexName: 'status_1_id_-1' } });
    // (the one ERROR entry is another agent's: at most it is read and refused)
    expect(none.executionStats.nReturned).toBe(0);
    expect(none.executionStats.totalDocsExamined).toBeLessThanOrEqual(1);
    expect(await log.find({ agent: 'busy', status: 'ERROR' }).toArray()).toHaveLength(1);
    expect(await log.countDocuments({ agent: 'busy', status: 'ERROR' })).toBe(1);
    expect(await log.countDocuments({ agent: 'quiet', status: 'ERROR' })).toBe(0);
    // The other way round (a common status, a small agent), the agent's index.
    await log.insertMany(Array.from({ length: 20 }, (_, i) => ({ id: 5000 + i, agent: 'rare', status: 'ALLOWED' })));
    const rare = await explainLog({ agent: 'rare', status: 'ALLOWED' });
    expect(rare.queryPlanner.winningPlan).toMatchObject({ inputStage: { stage: 'IXSCAN', indexName: 'agent_1_id_-1' } });
    expect(rare.executionStats).toMatchObject({ nReturned: 20, totalDocsExamined: 20 });
  });
});
