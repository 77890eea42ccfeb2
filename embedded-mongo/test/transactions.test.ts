import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Binary, Long, Timestamp, type Document } from 'bson';
import { MongoClient, MongoServerError, type ChangeStreamDocument } from 'mongodb';
import mongoose, { Schema } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';
import { opMsg, RawClient } from './helpers/rawClient.js';
import { ReplyDroppingProxy } from './helpers/replyDroppingProxy.js';
import { startStandalone } from './helpers/standalone.js';

/** Documents with the plain `_id`s these tests use. */
interface Row {
  _id: number | string;
  [field: string]: unknown;
}

// Ports this file's stores listen on (the range this suite was given).
let nextPort = 43001;
const port = (): number => nextPort++;

const dir = mkdtempSync(join(tmpdir(), 'embedded-mongo-txn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const newLsid = (): Document => ({
  id: new Binary(Buffer.from(randomUUID().replaceAll('-', ''), 'hex'), Binary.SUBTYPE_UUID),
});
const txnFields = (lsid: Document, n: number, first = false): Document => ({
  lsid,
  txnNumber: Long.fromNumber(n),
  autocommit: false,
  ...(first ? { startTransaction: true } : {}),
});
/** Lets pending I/O and timers run: a waiting command would have answered by then if it did not wait. */
const settle = async (): Promise<void> => {
  for (let k = 0; k < 5; k++) await new Promise((r) => setTimeout(r, 20));
};
/** A promise's state without waiting for it. */
function track<T>(p: Promise<T>): { done: () => boolean; promise: Promise<T> } {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  return { done: () => done, promise: p };
}

describe('transactions through the driver', () => {
  let store: EmbeddedMongo;
  let client: MongoClient;
  let other: MongoClient;

  beforeAll(async () => {
    store = await startEmbeddedMongo({ port: port() });
    client = await MongoClient.connect(store.uri);
    other = await MongoClient.connect(store.uri);
  });
  afterAll(async () => {
    await client.close();
    await other.close();
    await store.close();
  });

  it('commits inserts, updates, deletes and findAndModify together, creating the collection', async () => {
    const coll = client.db('t1').collection<{ _id: number; v: string; n?: number }>('items');
    const session = client.startSession();
    session.startTransaction();
    await coll.insertMany(
      [
        { _id: 1, v: 'a' },
        { _id: 2, v: 'b' },
        { _id: 3, v: 'c' },
      ],
      { session },
    );
    await coll.updateOne({ _id: 1 }, { $set: { n: 10 } }, { session });
    await coll.deleteOne({ _id: 2 }, { session });
    const fam = await coll.findOneAndUpdate(
      { _id: 3 },
      { $set: { v: 'C' } },
      { session, returnDocument: 'after' },
    );
    expect(fam).toEqual({ _id: 3, v: 'C' });
    // The transaction reads its own writes.
    expect(await coll.find({}, { session }).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, v: 'a', n: 10 },
      { _id: 3, v: 'C' },
    ]);
    // Another client's read waits for the transaction and then sees only the committed state.
    const read = track(other.db('t1').collection<Row>('items').find().sort({ _id: 1 }).toArray());
    await settle();
    expect(read.done()).toBe(false);
    await session.commitTransaction();
    expect(await read.promise).toEqual([
      { _id: 1, v: 'a', n: 10 },
      { _id: 3, v: 'C' },
    ]);
    // Commit is idempotent: the driver retries it after an unknown outcome.
    await session.commitTransaction();
    await session.endSession();
  });

  it('aborts: nothing of the transaction remains, not even its implicitly created collection', async () => {
    const db = client.db('t2');
    await db.collection<Row>('kept').insertOne({ _id: 1, v: 'before' });
    const session = client.startSession();
    session.startTransaction();
    await db.collection<Row>('kept').updateOne({ _id: 1 }, { $set: { v: 'txn' } }, { session });
    await db.collection<Row>('kept').insertOne({ _id: 2 }, { session });
    await db.collection<Row>('fresh').insertOne({ _id: 1 }, { session });
    await db.collection<Row>('kept').findOneAndDelete({ _id: 1 }, { session });
    await session.abortTransaction();
    await session.endSession();
    expect(await db.collection<Row>('kept').find().toArray()).toEqual([{ _id: 1, v: 'before' }]);
    expect((await db.listCollections().toArray()).map((c) => c.name)).toEqual(['kept']);
  });

  it('a failed write aborts the transaction: its commit is NoSuchTransaction with TransientTransactionError', async () => {
    const coll = client.db('t3').collection<{ _id: number }>('c');
    await coll.insertOne({ _id: 1 });
    const session = client.startSession();
    session.startTransaction();
    await coll.insertOne({ _id: 2 }, { session });
    const dup = await coll.insertOne({ _id: 1 }, { session }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(MongoServerError);
    expect((dup as MongoServerError).code).toBe(11000);
    expect((dup as MongoServerError).hasErrorLabel('TransientTransactionError')).toBe(false);
    const commit = await session.commitTransaction().catch((e: unknown) => e);
    expect(commit).toBeInstanceOf(MongoServerError);
    expect((commit as MongoServerError).codeName).toBe('NoSuchTransaction');
    expect((commit as MongoServerError).hasErrorLabel('TransientTransactionError')).toBe(true);
    await session.endSession();
    expect(await coll.find().toArray()).toEqual([{ _id: 1 }]);
  });

  it('withTransaction retries its callback after a TransientTransactionError and commits once', async () => {
    const coll = client.db('t4').collection<{ _id: string; n: number }>('counters');
    await coll.insertOne({ _id: 'c', n: 0 });
    const admin = store.inProcess();
    const session = client.startSession();
    let attempts = 0;
    await session.withTransaction(async () => {
      attempts++;
      await coll.updateOne({ _id: 'c' }, { $inc: { n: 1 } }, { session });
      if (attempts === 1) {
        // The server ends the transaction under the callback (as a lifetime limit would): its next statement fails transiently.
        const abort = await admin.command('admin', {
          abortTransaction: 1,
          lsid: session.id!,
          txnNumber: session.serverSession.txnNumber,
          autocommit: false,
        });
        expect(abort.ok).toBe(1);
      }
      await coll.updateOne({ _id: 'c' }, { $inc: { n: 10 } }, { session });
    });
    await session.endSession();
    expect(attempts).toBe(2);
    expect(await coll.findOne({ _id: 'c' })).toEqual({ _id: 'c', n: 11 });
  });

  it("another session's write waits for the transaction, then applies to the committed state", async () => {
    const coll = client.db('t5').collection<{ _id: number; v: string; w?: string }>('c');
    const session = client.startSession();
    session.startTransaction();
    await coll.insertOne({ _id: 1, v: 'txn' }, { session });
    const write = track(
      other
        .db('t5')
        .collection<Row>('c')
        .updateOne({ _id: 1 }, { $set: { w: 'other' } }),
    );
    const count = track(other.db('t5').collection<Row>('c').countDocuments());
    await settle();
    expect(write.done()).toBe(false);
    expect(count.done()).toBe(false);
    await coll.updateOne({ _id: 1 }, { $set: { v: 'txn2' } }, { session });
    await session.commitTransaction();
    await session.endSession();
    expect((await write.promise).matchedCount).toBe(1);
    expect(await count.promise).toBe(1);
    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, v: 'txn2', w: 'other' });
  });

  it('refuses what MongoDB 7 refuses inside a transaction, and the refusal aborts it', async () => {
    const db = client.db('t6');
    await db.collection<Row>('existing').insertOne({ _id: 1 });
    const cases: [
      string,
      (s: ReturnType<MongoClient['startSession']>) => Promise<unknown>,
      string,
    ][] = [
      [
        'count',
        (s) => db.collection<Row>('existing').estimatedDocumentCount({ session: s }),
        'OperationNotSupportedInTransaction',
      ],
      [
        'capped',
        (s) => db.createCollection('capped', { capped: true, size: 4096, session: s }),
        'OperationNotSupportedInTransaction',
      ],
      [
        'index on existing',
        (s) => db.collection<Row>('existing').createIndex({ a: 1 }, { session: s }),
        'OperationNotSupportedInTransaction',
      ],
      [
        '$out',
        (s) =>
          db
            .collection<Row>('existing')
            .aggregate([{ $out: 'x' }], { session: s })
            .toArray(),
        'OperationNotSupportedInTransaction',
      ],
      [
        'listCollections',
        (s) => db.listCollections({}, { session: s }).toArray(),
        'OperationNotSupportedInTransaction',
      ],
    ];
    for (const [what, op, codeName] of cases) {
      const session = client.startSession();
      session.startTransaction();
      await db.collection<Row>('existing').insertOne({ _id: what }, { session });
      const err = await op(session).catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(MongoServerError);
      expect((err as MongoServerError).codeName, what).toBe(codeName);
      const commit = await session.commitTransaction().catch((e: unknown) => e);
      expect((commit as MongoServerError).codeName, what).toBe('NoSuchTransaction');
      await session.endSession();
    }
    expect(await db.collection<Row>('existing').find().toArray()).toEqual([{ _id: 1 }]);
    // Creating a collection and its indexes inside a transaction is allowed (since 4.4).
    const session = client.startSession();
    await session.withTransaction(async () => {
      await db.createCollection('made', { session });
      await db.collection<Row>('made').createIndex({ a: 1 }, { session });
      await db.collection<Row>('made').insertOne({ _id: 1, a: 1 }, { session });
    });
    await session.endSession();
    expect((await db.collection<Row>('made').indexes()).map((i) => i.name)).toEqual([
      '_id_',
      'a_1',
    ]);
  });

  it('change streams see a committed transaction once, stamped with its session, and an aborted one never', async () => {
    const coll = client.db('t7').collection<{ _id: string }>('c');
    await coll.insertOne({ _id: 'start' });
    const stream = coll.watch();
    await stream.tryNext();
    const aborted = client.startSession();
    aborted.startTransaction();
    await coll.insertOne({ _id: 'aborted' }, { session: aborted });
    await aborted.abortTransaction();
    await aborted.endSession();
    await coll.insertOne({ _id: 'marker' });
    const session = client.startSession();
    await session.withTransaction(async () => {
      await coll.insertOne({ _id: 'x' }, { session });
      await coll.updateOne({ _id: 'x' }, { $set: { v: 1 } }, { session });
    });
    const events: ChangeStreamDocument<{ _id: string }>[] = [];
    while (events.length < 3) events.push(await stream.next());
    await stream.close();
    expect(
      events.map((e) => [e.operationType, 'documentKey' in e ? e.documentKey._id : null]),
    ).toEqual([
      ['insert', 'marker'],
      ['insert', 'x'],
      ['update', 'x'],
    ]);
    expect('lsid' in events[0]!).toBe(false);
    for (const e of events.slice(1)) {
      expect((e as { lsid?: { id: Binary } }).lsid?.id.toString('hex')).toBe(
        session.id!.id.toString('hex'),
      );
      expect(Number((e as { txnNumber?: Long }).txnNumber)).toBe(
        Number(session.serverSession.txnNumber),
      );
    }
    await session.endSession();
  });

  it('mongoose connection.transaction() commits, and rolls back when the callback throws', async () => {
    const conn = await mongoose.createConnection(store.uri, { dbName: 't8' }).asPromise();
    const Account = conn.model('Account', new Schema({ name: String, balance: Number }));
    await Account.init();
    await Account.create([
      { name: 'a', balance: 100 },
      { name: 'b', balance: 0 },
    ]);
    await conn.transaction(async (session) => {
      await Account.updateOne({ name: 'a' }, { $inc: { balance: -30 } }, { session });
      await Account.updateOne({ name: 'b' }, { $inc: { balance: 30 } }, { session });
    });
    const failed = await conn
      .transaction(async (session) => {
        await Account.updateOne({ name: 'a' }, { $inc: { balance: -1000 } }, { session });
        await Account.create([{ name: 'c', balance: 1 }], { session });
        throw new Error('insufficient funds');
      })
      .catch((e: unknown) => e);
    expect((failed as Error).message).toBe('insufficient funds');
    const session = await conn.startSession();
    await session.withTransaction(async () => {
      await Account.updateOne({ name: 'b' }, { $inc: { balance: 1 } }, { session });
    });
    await session.endSession();
    const rows = await Account.find().sort({ name: 1 }).lean();
    expect(rows.map((r) => [r.name, r.balance])).toEqual([
      ['a', 70],
      ['b', 31],
    ]);
    await conn.close();
  });
});

describe('a commit whose reply is lost', () => {
  it('withTransaction retries the commit (UnknownTransactionCommitResult) and the store answers ok: committed once', async () => {
    const store = await startEmbeddedMongo({ port: port() });
    const proxy = await ReplyDroppingProxy.start(store.port!, port());
    // directConnection keeps the driver on the proxy (it would otherwise switch to the hosts hello announces).
    const client = await MongoClient.connect(
      `mongodb://127.0.0.1:${proxy.port}/?directConnection=true`,
      { serverMonitoringMode: 'poll', heartbeatFrequencyMS: 500 },
    );
    try {
      const coll = client.db('lost').collection<{ _id: string; n: number }>('c');
      await coll.insertOne({ _id: 'c', n: 0 });
      const session = client.startSession();
      let attempts = 0;
      await session.withTransaction(async () => {
        attempts++;
        await coll.updateOne({ _id: 'c' }, { $inc: { n: 1 } }, { session });
        proxy.dropNextReplyTo('commitTransaction');
      });
      await session.endSession();
      expect(proxy.dropped).toBe(1);
      expect(attempts).toBe(1);
      expect(await coll.findOne({ _id: 'c' })).toEqual({ _id: 'c', n: 1 });
    } finally {
      await client.close();
      await proxy.close();
      await store.close();
    }
  });
});

describe('transactions ending without a commit', () => {
  it('the lifetime limit rolls a transaction back and releases the waiting sessions', async () => {
    const store = await startEmbeddedMongo({ port: port(), transactionLifetimeLimitSeconds: 0.3 });
    const client = await MongoClient.connect(store.uri);
    const other = await MongoClient.connect(store.uri);
    const coll = client.db('life').collection<Row>('c');
    const session = client.startSession();
    session.startTransaction();
    await coll.insertOne({ _id: 1 }, { session });
    // Waits until the limit rolls the transaction back, then sees nothing of it.
    expect(await other.db('life').collection<Row>('c').find().toArray()).toEqual([]);
    const commit = await session.commitTransaction().catch((e: unknown) => e);
    expect((commit as MongoServerError).codeName).toBe('NoSuchTransaction');
    expect((commit as MongoServerError).hasErrorLabel('TransientTransactionError')).toBe(true);
    await session.endSession();
    await client.close();
    await other.close();
    await store.close();
  });

  it("the close of the client's connection rolls it back and releases the waiting sessions", async () => {
    const store = await startEmbeddedMongo({ port: port() });
    const other = await MongoClient.connect(store.uri);
    const raw = await RawClient.open(store.port!);
    raw.send(
      opMsg({
        insert: 'c',
        documents: [{ _id: 1 }],
        ...txnFields(newLsid(), 1, true),
        $db: 'conn',
      }),
    );
    expect(await raw.reply()).toMatchObject({ ok: 1, n: 1 });
    const read = track(other.db('conn').collection<Row>('c').find().toArray());
    await settle();
    expect(read.done()).toBe(false);
    raw.close();
    expect(await read.promise).toEqual([]);
    await other.close();
    await store.close();
  });

  it('endSessions rolls back the transaction of an ended session', async () => {
    const store = await startEmbeddedMongo({ port: port() });
    const client = await MongoClient.connect(store.uri);
    const session = client.startSession();
    session.startTransaction();
    await client.db('end').collection<Row>('c').insertOne({ _id: 1 }, { session });
    await client.db('admin').command({ endSessions: [session.id] });
    expect(await client.db('end').collection<Row>('c').find().toArray()).toEqual([]);
    await client.close(true);
    await store.close();
  });

  it('a crash (SIGKILL) mid-transaction leaves nothing of it after a restart', async () => {
    const crashDir = join(dir, 'crash');
    const proc = await startStandalone(['--port', String(port()), '--dir', crashDir]);
    // Killed at the end, or here if the test fails before (it holds this file's port).
    onTestFinished(() => {
      if (proc.child.exitCode === null && proc.child.signalCode === null)
        proc.child.kill('SIGKILL');
    });
    const client = await MongoClient.connect(proc.uri);
    const coll = client.db('crash').collection<Row>('c');
    await coll.insertOne({ _id: 'committed' });
    const session = client.startSession();
    session.startTransaction();
    await coll.insertMany(
      Array.from({ length: 200 }, (_, k) => ({ _id: k, pad: 'x'.repeat(500) })),
      { session },
    );
    await coll
      .insertOne({ _id: 'implicit' }, { session })
      .then(() => client.db('crash').collection<Row>('fresh').insertOne({ _id: 1 }, { session }));
    proc.child.kill('SIGKILL');
    await proc.exited;
    await client.close(true);
    const reopened = await startEmbeddedMongo({ dir: crashDir, port: port() });
    const check = await MongoClient.connect(reopened.uri);
    expect(await check.db('crash').collection<Row>('c').find().toArray()).toEqual([
      { _id: 'committed' },
    ]);
    expect((await check.db('crash').listCollections().toArray()).map((c) => c.name)).toEqual(['c']);
    await check.close();
    await reopened.close();
  });
});

describe('transactions through store.inProcess()', () => {
  let store: EmbeddedMongo;
  beforeAll(async () => {
    store = await startEmbeddedMongo({ dir: join(dir, 'inproc'), port: port() });
  });
  afterAll(() => store.close());

  it('commits and aborts; other in-process commands wait and then see only the committed state', async () => {
    const a = store.inProcess();
    const b = store.inProcess();
    const lsid = newLsid();
    expect(
      await a.command('ip', {
        insert: 'c',
        documents: [{ _id: 1 }, { _id: 2 }],
        ...txnFields(lsid, 1, true),
      }),
    ).toMatchObject({ ok: 1, n: 2 });
    expect(
      await a.command('ip', {
        update: 'c',
        updates: [{ q: { _id: 1 }, u: { $set: { v: 1 } } }],
        ...txnFields(lsid, 1),
      }),
    ).toMatchObject({ ok: 1, nModified: 1 });
    expect(
      await a.command('ip', {
        delete: 'c',
        deletes: [{ q: { _id: 2 }, limit: 1 }],
        ...txnFields(lsid, 1),
      }),
    ).toMatchObject({ ok: 1, n: 1 });
    const own = await a.command('ip', { find: 'c', filter: {}, ...txnFields(lsid, 1) });
    expect((own.cursor as Document).firstBatch).toEqual([{ _id: 1, v: 1 }]);
    const read = track(b.command('ip', { find: 'c', filter: {} }));
    const write = track(b.command('ip', { insert: 'c', documents: [{ _id: 3 }] }));
    await settle();
    expect(read.done() || write.done()).toBe(false);
    expect(await a.command('admin', { commitTransaction: 1, ...txnFields(lsid, 1) })).toMatchObject(
      { ok: 1 },
    );
    expect(((await read.promise).cursor as Document).firstBatch).toEqual([{ _id: 1, v: 1 }]);
    expect(await write.promise).toMatchObject({ ok: 1, n: 1 });
    // Retried commit: ok; abort after commit: refused; a later number aborts cleanly.
    expect(await a.command('admin', { commitTransaction: 1, ...txnFields(lsid, 1) })).toMatchObject(
      { ok: 1 },
    );
    expect(
      await a.command('ip', { insert: 'c', documents: [{ _id: 4 }], ...txnFields(lsid, 2, true) }),
    ).toMatchObject({ ok: 1 });
    expect(await a.command('admin', { abortTransaction: 1, ...txnFields(lsid, 2) })).toMatchObject({
      ok: 1,
    });
    const all = await b.command('ip', { find: 'c', filter: {} });
    expect((all.cursor as Document).firstBatch).toEqual([{ _id: 1, v: 1 }, { _id: 3 }]);
  });

  it("a change stream woken just before a transaction starts never looks up that transaction's writes", async () => {
    const a = store.inProcess();
    await a.command('cs', { insert: 'c', documents: [{ _id: 1, v: 0 }] });
    const opened = await a.command('cs', {
      aggregate: 'c',
      pipeline: [{ $changeStream: { fullDocument: 'updateLookup' } }],
      cursor: {},
    });
    const id = (opened.cursor as Document).id as Long;
    const next = a.command('cs', { getMore: id, collection: 'c', maxTimeMS: 10_000 });
    await a.command('cs', { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { v: 1 } } }] });
    // Opened before the woken getMore reads its batch (the same turn of the event loop).
    const lsid = newLsid();
    const inTxn = a.command('cs', {
      update: 'c',
      updates: [{ q: { _id: 1 }, u: { $set: { v: 2 } } }],
      ...txnFields(lsid, 1, true),
    });
    const batch = track(next);
    expect(await inTxn).toMatchObject({ ok: 1, nModified: 1 });
    expect(await a.command('admin', { abortTransaction: 1, ...txnFields(lsid, 1) })).toMatchObject({
      ok: 1,
    });
    const events = ((await batch.promise).cursor as Document).nextBatch as Document[];
    expect(events.map((e) => e.fullDocument as unknown)).toEqual([{ _id: 1, v: 1 }]);
    await a.command('cs', { killCursors: 'c', cursors: [id] });
  });

  it('answers errors and labels as mongod', async () => {
    const a = store.inProcess();
    const lsid = newLsid();
    const noTxn = await a.command('ip', { find: 'c', filter: {}, ...txnFields(lsid, 5) });
    expect(noTxn).toMatchObject({
      ok: 0,
      code: 251,
      codeName: 'NoSuchTransaction',
      errorLabels: ['TransientTransactionError'],
    });
    expect(await a.command('admin', { commitTransaction: 1, ...txnFields(lsid, 5) })).toMatchObject(
      { ok: 0, code: 251 },
    );
    expect(
      await a.command('ip', {
        insert: 'e',
        documents: [{}],
        ...txnFields(lsid, 6, true),
        readConcern: { level: 'linearizable' },
      }),
    ).toMatchObject({ ok: 0, codeName: 'InvalidOptions' });
    expect(
      await a.command('ip', {
        insert: 'e',
        documents: [{}],
        ...txnFields(lsid, 7, true),
        readConcern: { level: 'snapshot' },
      }),
    ).toMatchObject({ ok: 1 });
    expect(
      await a.command('ip', {
        find: 'e',
        ...txnFields(lsid, 7),
        readConcern: { level: 'snapshot' },
      }),
    ).toMatchObject({ ok: 0, codeName: 'InvalidOptions' });
    expect(await a.command('ip', { find: 'e', ...txnFields(lsid, 7) })).toMatchObject({
      ok: 0,
      code: 251,
    });
    expect(
      await a.command('ip', {
        insert: 'e',
        documents: [{}],
        ...txnFields(lsid, 8, true),
        writeConcern: { w: 1 },
      }),
    ).toMatchObject({ ok: 0, codeName: 'InvalidOptions' });
    expect(
      await a.command('ip', { insert: 'e', documents: [{}], ...txnFields(lsid, 9, true) }),
    ).toMatchObject({ ok: 1 });
    expect(
      await a.command('ip', { insert: 'e', documents: [{}], ...txnFields(lsid, 9, true) }),
    ).toMatchObject({ ok: 0, codeName: 'ConflictingOperationInProgress' });
    expect(await a.command('ip', { count: 'e', ...txnFields(lsid, 10, true) })).toMatchObject({
      ok: 0,
      code: 263,
    });
    expect(
      await a.command('ip', { insert: 'e', documents: [{}], ...txnFields(lsid, 3, true) }),
    ).toMatchObject({ ok: 0, codeName: 'TransactionTooOld' });
    expect(
      await a.command('ip', {
        insert: 'e',
        documents: [{}],
        lsid,
        txnNumber: Long.fromNumber(11),
        autocommit: true,
      }),
    ).toMatchObject({ ok: 0, codeName: 'InvalidOptions' });
    expect(
      await a.command('ip', {
        insert: 'e',
        documents: [{}],
        startTransaction: true,
        autocommit: false,
      }),
    ).toMatchObject({ ok: 0, codeName: 'InvalidOptions' });
    expect(await a.command('admin', { ping: 1, ...txnFields(lsid, 12, true) })).toMatchObject({
      ok: 0,
      code: 263,
    });
    expect(await a.command('admin', { commitTransaction: 1, lsid })).toMatchObject({
      ok: 0,
      codeName: 'InvalidOptions',
    });
    expect(
      await a.command('ip', {
        insert: 'e',
        documents: [{}],
        lsid: 'x',
        txnNumber: 13,
        autocommit: false,
        startTransaction: true,
      }),
    ).toMatchObject({ ok: 0, codeName: 'InvalidOptions' });
    expect(
      await a.command('ip', {
        insert: 'e',
        documents: [{}],
        lsid,
        txnNumber: -1,
        autocommit: false,
        startTransaction: true,
      }),
    ).toMatchObject({ ok: 0, codeName: 'TypeMismatch' });
    expect(await a.command('admin', { endSessions: 'x' })).toMatchObject({ ok: 1 });
    // Every one of those transactions was rolled back.
    expect(await a.command('ip', { count: 'e' })).toMatchObject({ ok: 1, n: 0 });
  });

  it('keeps a committed transaction commit-retryable across a restart, and an aborted one leaves no record', async () => {
    const d = join(dir, 'restart');
    let s = await startEmbeddedMongo({ dir: d, port: port() });
    let a = s.inProcess();
    const lsid = newLsid();
    await a.command('r', { insert: 'c', documents: [{ _id: 1 }], ...txnFields(lsid, 1, true) });
    expect(await a.command('admin', { commitTransaction: 1, ...txnFields(lsid, 1) })).toMatchObject(
      { ok: 1 },
    );
    await a.command('r', { insert: 'c', documents: [{ _id: 2 }], ...txnFields(lsid, 2, true) });
    expect(await a.command('admin', { abortTransaction: 1, ...txnFields(lsid, 2) })).toMatchObject({
      ok: 1,
    });
    await s.close();
    s = await startEmbeddedMongo({ dir: d, port: port() });
    a = s.inProcess();
    expect(await a.command('admin', { commitTransaction: 1, ...txnFields(lsid, 1) })).toMatchObject(
      { ok: 1 },
    );
    // The session's record is the committed transaction's: number 2 left none.
    expect(await a.command('admin', { commitTransaction: 1, ...txnFields(lsid, 2) })).toMatchObject(
      { ok: 0, code: 251 },
    );
    expect(
      (((await a.command('r', { find: 'c' })).cursor as Document).firstBatch as Document[]).map(
        (x) => x._id as unknown,
      ),
    ).toEqual([1]);
    await s.close();
  });

  it('opens a data directory written before transactions (its oplog gains the column) and streams its old events', async () => {
    const d = join(dir, 'old');
    let s = await startEmbeddedMongo({ dir: d, port: port() });
    await s.inProcess().command('old', { insert: 'c', documents: [{ _id: 1 }] });
    await s.close();
    const raw = new Database(join(d, 'embedded-mongo.sqlite'));
    raw.exec('ALTER TABLE oplog DROP COLUMN txn');
    raw.close();
    s = await startEmbeddedMongo({ dir: d, port: port() });
    const client = await MongoClient.connect(s.uri);
    const stream = client
      .db('old')
      .collection<Row>('c')
      .watch([], { startAtOperationTime: new Timestamp({ t: 1, i: 0 }) });
    const session = client.startSession();
    await session.withTransaction(async () => {
      await client.db('old').collection<Row>('c').insertOne({ _id: 2 }, { session });
    });
    const first = await stream.next();
    const second = await stream.next();
    expect([first, second].map((e) => ('documentKey' in e ? e.documentKey._id : null))).toEqual([
      1, 2,
    ]);
    expect('lsid' in first).toBe(false);
    expect('lsid' in second).toBe(true);
    await stream.close();
    await session.endSession();
    await client.close();
    await s.close();
  });

  it('a standalone refuses transactions, as mongod does', async () => {
    const s = await startEmbeddedMongo({ port: port(), replicaSet: false });
    const reply = await s
      .inProcess()
      .command('x', { insert: 'c', documents: [{}], ...txnFields(newLsid(), 1, true) });
    expect(reply).toMatchObject({ ok: 0, codeName: 'IllegalOperation' });
    await s.close();
  });
});
