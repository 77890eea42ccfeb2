import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoBulkWriteError, MongoClient, type Collection, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECT_BATCH } from '../src/commands/insert.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';

/**
 * A group commit's insertMany (the audit writer sends up to 500 documents in one ordered insert):
 * its index keys take another path than a single insert's (see commands/insert.ts). Whatever the
 * path, every index must answer for exactly the documents stored — a write error in the middle of
 * a batch keeps the ones before it (ordered) or the others (unordered), with mongod's error, and
 * leaves no key of the refused document behind, across a restart too.
 */
describe.each([
  ['a group commit (keys buffered)', 12],
  ['a bulk load (keys straight to the tables)', DIRECT_BATCH + 4],
])('batched inserts and their index keys: %s', (_, size) => {
  let dir: string;
  let store: EmbeddedMongo;
  let client: MongoClient;
  const coll = (): Collection<Document> => client.db('batches').collection('log');

  const open = async () => {
    store = await startEmbeddedMongo({ dir });
    client = await MongoClient.connect(store.uri);
  };
  const close = async () => {
    await client.close();
    await store.close();
  };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'em-batches-'));
    await open();
    // The audit log's kinds of index: unique, unique sparse, multikey compound, partial, sparse.
    await coll().createIndexes([
      { key: { id: -1 }, name: 'id_-1', unique: true },
      { key: { entryKey: 1 }, name: 'entryKey_1', unique: true, sparse: true },
      { key: { terms: 1, id: -1 }, name: 'terms_1_id_-1' },
      { key: { agent: 1, id: -1 }, name: 'agent_1_id_-1' },
      {
        key: { id: -1, agent: 1 },
        name: 'flagged',
        partialFilterExpression: { flagged: { $exists: true } },
      },
      { key: { runId: 1 }, name: 'runId_1', sparse: true },
    ]);
  });
  afterAll(async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  });

  const entry = (id: number, extra: Document = {}): Document => ({
    id,
    agent: `agent-${id % 3}`,
    // The same word twice in one document, and words shared across documents.
    terms: ['pay', `w${id % 4}`, 'pay', `only${id}`],
    ...(id % 2 ? { entryKey: `k${id}` } : {}),
    ...(id % 5 === 0 ? { flagged: true } : {}),
    ...(id % 3 === 0 ? { runId: `run-${id % 2}` } : {}),
    ...extra,
  });

  /** What every index answers, read through each index in turn (hinted) and without any. */
  async function answers(): Promise<Record<string, unknown>> {
    const ids = async (filter: Document, hint?: string) =>
      (
        await coll()
          .find(filter, { ...(hint ? { hint } : {}), projection: { _id: 0, id: 1 } })
          .toArray()
      )
        .map((d) => d.id as number)
        .sort((a, b) => a - b);
    return {
      all: await ids({}),
      byId: await ids({ id: { $gte: 0 } }, 'id_-1'),
      pay: await ids({ terms: 'pay' }, 'terms_1_id_-1'),
      w1: await ids({ terms: 'w1' }, 'terms_1_id_-1'),
      agent1: await ids({ agent: 'agent-1' }, 'agent_1_id_-1'),
      flagged: await ids({ flagged: { $exists: true } }, 'flagged'),
      run0: await ids({ runId: 'run-0' }, 'runId_1'),
      keyed: await ids({ entryKey: { $exists: true } }, 'entryKey_1'),
      payCount: await coll().countDocuments({ terms: 'pay' }, { hint: 'terms_1_id_-1' }),
    };
  }

  /** The same answers computed from the documents themselves (no index involved). */
  function expected(stored: number[]): Record<string, unknown> {
    const docs = stored.map((id) => entry(id)).sort((a, b) => (a.id as number) - (b.id as number));
    const ids = (pred: (d: Document) => boolean) => docs.filter(pred).map((d) => d.id as number);
    return {
      all: ids(() => true),
      byId: ids(() => true),
      pay: ids(() => true),
      w1: ids((d) => (d.id as number) % 4 === 1),
      agent1: ids((d) => d.agent === 'agent-1'),
      flagged: ids((d) => d.flagged === true),
      run0: ids((d) => d.runId === 'run-0'),
      keyed: ids((d) => d.entryKey !== undefined),
      payCount: docs.length,
    };
  }

  it('stores the documents before a duplicate key in an ordered batch, and no key of the refused one', async () => {
    await coll().insertMany([entry(1), entry(2)]);
    // The 8th document reuses id 2.
    const before = [3, 4, 5, 6, 7, 8, 9];
    const after = Array.from({ length: size - 8 }, (_, i) => 10 + i);
    const batch = before.map((id) => entry(id));
    batch.push(entry(2, { terms: ['ghost'], agent: 'ghost', flagged: true, runId: 'run-0' }));
    batch.push(...after.map((id) => entry(id)));
    const error = await coll()
      .insertMany(batch, { ordered: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulk = error as MongoBulkWriteError;
    expect(bulk.insertedCount).toBe(7);
    expect(bulk.writeErrors).toMatchObject([
      {
        index: 7,
        code: 11000,
        errmsg:
          'E11000 duplicate key error collection: batches.log index: id_-1 dup key: { "id":2 }',
      },
    ]);
    const stored = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(await answers()).toEqual(expected(stored));
    expect(await coll().countDocuments({ terms: 'ghost' })).toBe(0);
    expect(await coll().countDocuments({ agent: 'ghost' }, { hint: 'agent_1_id_-1' })).toBe(0);

    // A unique sparse key taken in the middle of an unordered batch: the others go in.
    const others = Array.from({ length: size - 1 }, (_, i) => 10_000 + i);
    const unordered = others.slice(0, 4).map((id) => entry(id));
    unordered.push(entry(24, { entryKey: 'k3', terms: ['ghost'] }));
    unordered.push(...others.slice(4).map((id) => entry(id)));
    const second = await coll()
      .insertMany(unordered, { ordered: false })
      .catch((e: unknown) => e as MongoBulkWriteError);
    expect(second).toBeInstanceOf(MongoBulkWriteError);
    expect((second as MongoBulkWriteError).writeErrors).toMatchObject([
      {
        index: 4,
        code: 11000,
        errmsg:
          'E11000 duplicate key error collection: batches.log index: entryKey_1 dup key: { "entryKey":"k3" }',
      },
    ]);
    stored.push(...others);
    expect(await answers()).toEqual(expected(stored));
    expect(await coll().countDocuments({ terms: 'ghost' })).toBe(0);

    // The same after a restart (buffered keys rebuilt from disk) and after they are merged.
    await close();
    await open();
    expect(await answers()).toEqual(expected(stored));
    await client.db('admin').command({ fsync: 1 });
    expect(await answers()).toEqual(expected(stored));
  });
});
