import type { Collection, Document, MongoServerError } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/helpers/testDb';
import { Schema, type Connection } from 'mongoose';
import { inProcessStoreOf, commandsFor, type StoreCommands } from './storeCommands';

// The in-process writes must be indistinguishable from the driver's to their callers: the same
// counts, the same errors (code, and each failed document's index), the same stored documents.
const db = useTestDb();

/** Commands the in-process store ran, by name: proof that the second side never used the driver. */
const ranInProcess: string[] = [];

async function both(
  name: string,
): Promise<Array<{ writes: StoreCommands; coll: Collection<Document> }>> {
  const viaDriver = await db.connect();
  const inProcess = await db.connect({ inProcess: true });
  inProcessStoreOf(inProcess)?.observe((command) => ranInProcess.push(command));
  const side = (conn: Connection, suffix: string) => {
    const model = conn.model(`${name}_${suffix}`, new Schema({}, { strict: false }));
    return {
      writes: commandsFor(model),
      coll: model.collection as unknown as Collection<Document>,
    };
  };
  const sides = [side(viaDriver, 'driver'), side(inProcess, 'local')];
  for (const { coll } of sides) await coll.createIndex({ k: 1 }, { unique: true, sparse: true });
  return sides;
}

/** What callers may read of a result: the counts (the driver adds fields no caller reads). */
const countsOf = (value: unknown) => {
  if (typeof value !== 'object' || value === null) return value;
  const { matchedCount, modifiedCount, upsertedCount } = value as Record<string, unknown>;
  return { matchedCount, modifiedCount, upsertedCount };
};

const settled = async (p: Promise<unknown>) =>
  p.then(
    (value) => ({ value: countsOf(value) }),
    (e: MongoServerError & { writeErrors?: Array<{ index: number; code: number }> }) => ({
      error: {
        code: e.code,
        writeErrors: e.writeErrors?.map((w) => ({ index: w.index, code: w.code })),
      },
    }),
  );

const stored = async (coll: Collection<Document>): Promise<Array<Record<string, unknown>>> =>
  coll
    .find({}, { projection: { _id: 0 } })
    .sort({ n: 1 })
    .toArray();

describe('collection writes in process and through the driver', () => {
  afterAll(() => {
    // The in-process side sent its commands itself; the driver side's never reach it.
    expect(new Set(ranInProcess)).toEqual(new Set(['insert', 'update', 'aggregate']));
  });

  it('insert: ids added, a taken key refused with code 11000, ordered batches stop there', async () => {
    const outcomes = [];
    for (const { writes, coll } of await both('ins')) {
      const doc: Document = { n: 1, k: 'a', missing: undefined };
      await writes.insertOne(doc);
      expect(doc._id).toBeDefined();
      outcomes.push({
        dup: await settled(writes.insertOne({ n: 2, k: 'a' })),
        many: await settled(
          writes.insertMany(
            [
              { n: 3, k: 'b' },
              { n: 4, k: 'a' },
              { n: 5, k: 'c' },
            ],
            { ordered: true },
          ),
        ),
        unordered: await settled(
          writes.insertMany(
            [
              { n: 6, k: 'b' },
              { n: 7, k: 'd' },
            ],
            { ordered: false },
          ),
        ),
        docs: await stored(coll),
      });
    }
    const [driver, local] = outcomes;
    expect(local).toEqual(driver);
    expect(driver?.dup).toEqual({ error: { code: 11000, writeErrors: undefined } });
    expect(driver?.many).toMatchObject({
      error: { code: 11000, writeErrors: [{ index: 1, code: 11000 }] },
    });
    expect(driver?.docs.map((d) => d.n)).toEqual([1, 3, 7]);
    expect(driver?.docs[0]).toEqual({ n: 1, k: 'a', missing: null });
  });

  it('update: matched, modified and upserted counts; bulk errors by index; other ops via the driver', async () => {
    const outcomes = [];
    for (const { writes, coll } of await both('upd')) {
      await writes.insertMany(
        [
          { n: 1, v: 0 },
          { n: 2, v: 0, k: 'taken' },
        ],
        { ordered: true },
      );
      outcomes.push({
        one: countsOf(await writes.updateOne({ n: 1 }, { $inc: { v: 1 } })),
        same: countsOf(await writes.updateOne({ n: 1 }, { $set: { v: 1 } })),
        none: countsOf(await writes.updateOne({ n: 9 }, { $set: { v: 1 } })),
        upsert: countsOf(await writes.updateOne({ n: 3 }, { $set: { v: 3 } }, { upsert: true })),
        bulk: await settled(
          writes.bulkWrite(
            [
              { updateOne: { filter: { n: 1 }, update: { $inc: { v: 1 } } } },
              { updateOne: { filter: { n: 4 }, update: { $set: { k: 'taken' } }, upsert: true } },
              { updateMany: { filter: { n: { $gte: 2 } }, update: { $inc: { v: 10 } } } },
              { updateOne: { filter: { n: 5 }, update: { $set: { v: 5 } }, upsert: true } },
            ],
            { ordered: false },
          ),
        ),
        counts: countsOf(
          await writes.bulkWrite(
            [
              { updateOne: { filter: { n: 1 }, update: { $inc: { v: 1 } } } },
              { updateOne: { filter: { n: 6 }, update: { $set: { v: 6 } }, upsert: true } },
            ],
            { ordered: true },
          ),
        ),
        // Not an update statement: sent by the driver, with the same result.
        mixed: countsOf(
          await writes.bulkWrite(
            [
              { insertOne: { document: { n: 7 } } },
              { updateOne: { filter: { n: 7 }, update: { $set: { v: 7 } } } },
            ],
            { ordered: true },
          ),
        ),
        docs: await stored(coll),
      });
    }
    const [driver, local] = outcomes;
    expect(JSON.parse(JSON.stringify(local))).toEqual(JSON.parse(JSON.stringify(driver)));
    expect(driver?.one).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
    expect(driver?.same).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    expect(driver?.upsert).toMatchObject({ matchedCount: 0, modifiedCount: 0, upsertedCount: 1 });
    expect(driver?.bulk).toMatchObject({
      error: { code: 11000, writeErrors: [{ index: 1, code: 11000 }] },
    });
    expect(driver?.docs.map((d) => [d.n, d.v])).toEqual([
      [1, 3],
      [2, 10],
      [3, 13],
      [5, 5],
      [6, 6],
      [7, 7],
    ]);
  });

  it('count: the same number for the same filter, dates included', async () => {
    const outcomes = [];
    for (const { writes } of await both('cnt')) {
      const at = (m: number) => new Date(Date.UTC(2026, 11, 7, 12, m));
      await writes.insertMany(
        [0, 1, 2, 3, 4].map((m) => ({ n: m, status: m % 2 ? 'ALLOWED' : 'BLOCKED', at: at(m) })),
        { ordered: true },
      );
      outcomes.push([
        await writes.countDocuments({}),
        await writes.countDocuments({ status: 'ALLOWED', at: { $gte: at(2) } }),
        await writes.countDocuments({ status: 'nothing' }),
      ]);
    }
    const [driver, local] = outcomes;
    expect(driver).toEqual([5, 1, 0]);
    expect(local).toEqual(driver);
  });

  it('a statement the store refuses (an unknown operator) throws as the driver does', async () => {
    const outcomes = [];
    for (const { writes } of await both('bad')) {
      await writes.insertOne({ n: 1 });
      outcomes.push({
        one: await settled(writes.updateOne({ n: { $bogus: 1 } }, { $set: { v: 1 } })),
        bulk: await settled(
          writes.bulkWrite([{ updateOne: { filter: { n: 1 }, update: { $bogus: { v: 1 } } } }], {
            ordered: true,
          }),
        ),
      });
    }
    const [driver, local] = outcomes;
    expect(local).toEqual(driver);
    expect(driver?.one).toMatchObject({ error: { code: expect.any(Number) } });
    expect(driver?.bulk).toMatchObject({ error: { writeErrors: [{ index: 0 }] } });
  });

  it('a batch bigger than one encoded command can hold is stored whole, as the driver splits it', async () => {
    // A group commit of 300 entries with 64 KiB of arguments each (AEGIS_MAX_ARGS_BYTES's
    // default), or 5 with 4 MiB (its maximum), is ~20 MB: over the 17 MiB one BSON encoding holds
    // (attack review 16). The driver sends the documents as a sequence, split at the store's
    // 48 MB message limit.
    const outcomes = [];
    for (const { writes, coll } of await both('huge')) {
      const pad = 'x'.repeat(4 * 1024 * 1024);
      const docs = Array.from({ length: 5 }, (_, n) => ({ n, pad }));
      outcomes.push({
        many: await settled(writes.insertMany(docs, { ordered: true })),
        ids: docs.every((d: Document) => d._id !== undefined),
        bulk: await settled(
          writes.bulkWrite(
            docs.map((_, n) => ({
              updateOne: { filter: { n }, update: { $set: { again: pad } } },
            })),
            { ordered: false },
          ),
        ),
        count: await coll.countDocuments({ again: { $exists: true } }),
      });
    }
    const [driver, local] = outcomes;
    expect(driver).toMatchObject({ ids: true, count: 5 });
    expect(local).toEqual(driver);
  });
});
