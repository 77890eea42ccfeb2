import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Binary, Long, type Document } from 'bson';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo } from '../src/index.js';
import { opMsg, RawClient } from './helpers/rawClient.js';
import { ReplyDroppingProxy } from './helpers/replyDroppingProxy.js';

const dir = mkdtempSync(join(tmpdir(), 'embedded-mongo-retry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const session = (): Document => ({ id: new Binary(Buffer.from(randomUUID().replaceAll('-', ''), 'hex'), Binary.SUBTYPE_UUID) });

/** Sends one command on a bare connection and returns the reply document. */
async function send(port: number, cmd: Document): Promise<Document> {
  const raw = await RawClient.open(port);
  try {
    raw.send(opMsg({ ...cmd, $db: 'rw' }));
    return (await raw.reply())!;
  } finally {
    raw.close();
  }
}

describe('retryable writes', () => {
  it('runs a write at most once per (lsid, txnNumber), also across a store restart', async () => {
    let store = await startEmbeddedMongo({ dir, port: 0 });
    const port = store.port!;
    const lsid = session();
    const inc = { update: 'counters', updates: [{ q: { _id: 'c' }, u: { $inc: { n: 1 } }, upsert: true }], lsid, txnNumber: Long.fromNumber(1) };
    const first = await send(port, inc);
    expect(first).toMatchObject({ ok: 1, n: 1, upserted: [{ index: 0, _id: 'c' }] });
    // The retry answers exactly what the first attempt answered, without writing again.
    const retry = await send(port, inc);
    expect({ ...retry, operationTime: undefined, $clusterTime: undefined }).toEqual({ ...first, operationTime: undefined, $clusterTime: undefined });
    const next = await send(port, { ...inc, txnNumber: Long.fromNumber(2) });
    expect(next).toMatchObject({ ok: 1, n: 1, nModified: 1 });

    await store.close();
    store = await startEmbeddedMongo({ dir, port });
    try {
      expect(await send(port, { ...inc, txnNumber: Long.fromNumber(2) })).toMatchObject({ ok: 1, n: 1, nModified: 1 });
      // A txnNumber older than the session's last write is refused, as mongod refuses it.
      expect(await send(port, inc)).toMatchObject({ ok: 0, code: 225, codeName: 'TransactionTooOld' });
      expect(await send(port, { find: 'counters', filter: {} })).toMatchObject({ cursor: { firstBatch: [{ _id: 'c', n: 2 }] } });
      // Another session's txnNumber 1 is its own write.
      expect(await send(port, { ...inc, lsid: session() })).toMatchObject({ ok: 1, nModified: 1 });
      // findAndModify's retry returns the document the first attempt returned.
      const fam = { findAndModify: 'counters', query: { _id: 'c' }, update: { $inc: { n: 10 } }, new: true, lsid: session(), txnNumber: Long.fromNumber(7) };
      const once = await send(port, fam);
      expect(once.value).toEqual({ _id: 'c', n: 13 });
      expect((await send(port, fam)).value).toEqual({ _id: 'c', n: 13 });
      expect(await send(port, { ...fam, txnNumber: 'seven' })).toMatchObject({ ok: 0, code: 14 });
    } finally {
      await store.close();
    }
  });

  it('a driver whose reply was lost retries the write and it happens once', async () => {
    const store = await startEmbeddedMongo();
    const proxy = await ReplyDroppingProxy.start(store.port!);
    // directConnection keeps the driver on the proxy (it would otherwise switch to the hosts hello announces).
    const client = await MongoClient.connect(`mongodb://127.0.0.1:${proxy.port}/?directConnection=true`, { serverMonitoringMode: 'poll', heartbeatFrequencyMS: 500 });
    try {
      const coll = client.db('rw').collection<{ _id: string; n?: number }>('lost');
      proxy.dropNextReplyTo('insert');
      await coll.insertOne({ _id: 'once' });
      proxy.dropNextReplyTo('update');
      const r = await coll.updateOne({ _id: 'once' }, { $inc: { n: 1 } });
      expect(r.modifiedCount).toBe(1);
      expect(proxy.dropped).toBe(2);
      expect(await coll.find().toArray()).toEqual([{ _id: 'once', n: 1 }]);
    } finally {
      await client.close();
      await proxy.close();
      await store.close();
    }
  });
});
