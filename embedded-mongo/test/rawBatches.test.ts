import fc from 'fast-check';
import { deserialize, Double, Long, serialize, type Document } from 'bson';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';
import { anyBsonValue } from './helpers/bsonValues.js';
import { RawDocument, serializeReply } from '../src/bson/rawDocument.js';


/** What an inclusion projection of whole top-level fields gives: `_id` first, then document order. */
function pick(doc: Document, projection: Document | undefined): Document {
  if (!projection || Object.keys(projection).length === 0) return doc;
  const keep = new Set(Object.keys(projection).filter((k) => projection[k] === 1));
  const out: Document = {};
  if (projection._id !== 0 && '_id' in doc) out._id = doc._id;
  for (const [k, v] of Object.entries(doc)) if (k !== '_id' && keep.has(k)) out[k] = v;
  return out;
}

/**
 * A find whose results need nothing but their bytes sends the stored BSON as it is (RawDocument):
 * no projection, or whole top-level fields cut from the bytes. The bytes a client receives must
 * be exactly those of the document the projection gives — every type, field order, `_id` first —
 * over first batches and getMores, exact index plans and re-checked ones.
 */
describe('finds that send stored BSON unchanged', () => {
  let store: EmbeddedMongo;
  let client: MongoClient;

  beforeAll(async () => {
    store = await startEmbeddedMongo();
    client = await MongoClient.connect(store.uri);
  });
  afterAll(async () => {
    await client.close();
    await store.close();
  });

  it('returns byte-for-byte the projected documents', async () => {
    const base = Date.UTC(2026, 11, 5);
    const fieldNames = fc.constantFrom('a', 'b', 'v', 'é', 'long_field_name');
    const row = fc.record({
      k: fc.constantFrom('ag', 'cs'),
      t: fc.integer({ min: 0, max: 9 }).map((m) => new Date(base + m * 60_000)),
      extra: fc.dictionary(fieldNames, anyBsonValue, { maxKeys: 4 }),
    });
    const projection = fc.constantFrom<Document | undefined>(
      undefined,
      {},
      { _id: 0, t: 1, v: 1 },
      { a: 1 },
      { a: 1, b: 1, _id: 0 },
      { é: 1, k: 1 },
      { _id: 1 },
    );
    const query = fc.record({
      lo: fc.integer({ min: 0, max: 9 }),
      hi: fc.integer({ min: 0, max: 10 }),
      k: fc.constantFrom('ag', 'cs'),
      // An exact plan ({k, t} on the index) or one whose documents are re-checked.
      recheck: fc.boolean(),
      sort: fc.boolean(),
      batchSize: fc.integer({ min: 1, max: 5 }),
      projection,
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 30 }), fc.array(query, { minLength: 1, maxLength: 4 }), async (rows, queries) => {
        const c = client.db('raw').collection(`c${run++}`);
        await c.createIndex({ k: 1, t: 1 });
        const docs: Document[] = rows.map((r, i) => ({ _id: i, k: r.k, ...r.extra, t: r.t }));
        if (docs.length > 0) await c.insertMany(docs.map((d) => ({ ...d })));
        for (const q of queries) {
          const from = new Date(base + q.lo * 60_000);
          const to = new Date(base + q.hi * 60_000);
          const filter: Document = { k: q.k, t: { $gte: from, $lt: to }, ...(q.recheck ? { _id: { $gte: 0 } } : {}) };
          const cursor = c.find(filter, { projection: q.projection, raw: true, batchSize: q.batchSize });
          if (q.sort) cursor.sort({ t: -1, _id: -1 });
          const got = (await cursor.toArray()) as unknown as Buffer[];
          let expected = docs.filter((d) => d.k === q.k && d.t >= from && d.t < to);
          if (q.sort) expected = [...expected].sort((x, y) => y.t - x.t || y._id - x._id);
          const hex = (list: string[]) => (q.sort ? list : [...list].sort()); // unsorted: any order
          expect(hex(got.map((b) => Buffer.from(b).toString('hex')))).toEqual(
            hex(expected.map((d) => Buffer.from(serialize(pick(d, q.projection))).toString('hex'))),
          );
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('serializeReply', () => {
  it('encodes a reply whose batch is not first in its cursor document by decoding the raw documents', () => {
    const doc = { _id: 1, v: new Double(1), n: Long.fromNumber(5) };
    const bytes = Buffer.from(serialize(doc));
    const odd = { cursor: { id: Long.ZERO, firstBatch: [new RawDocument(bytes)], ns: 'a.b' }, ok: 1 };
    const out = deserialize(serializeReply(odd), { promoteValues: false });
    const [first] = (out.cursor as { firstBatch: Document[] }).firstBatch;
    expect(Buffer.from(serialize(first!)).equals(bytes)).toBe(true);
  });
});
