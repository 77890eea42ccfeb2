import type Database from 'better-sqlite3';
import { Binary, deserialize, Long, serialize, type Document } from 'bson';
import { MongoCommandError } from '../errors.js';

/** mongod's session timeout: a session unused this long forgets its last write. */
export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

/** A write command's session and transaction number, when the driver made it retryable. */
export interface RetryKey {
  session: Buffer;
  txnNumber: number;
}

/** The (lsid, txnNumber) of a retryable write, or undefined for a plain write. */
export function retryKey(cmd: Document): RetryKey | undefined {
  const raw: unknown = cmd.txnNumber;
  if (raw === undefined || typeof cmd.lsid !== 'object' || cmd.lsid === null) return undefined;
  const txnNumber = raw instanceof Long ? raw.toNumber() : typeof raw === 'number' ? raw : NaN;
  if (!Number.isSafeInteger(txnNumber) || txnNumber < 0) {
    throw new MongoCommandError(14, 'TypeMismatch', "BSON field 'txnNumber' must be a non-negative 64-bit integer");
  }
  return { session: sessionKey(cmd.lsid as Document), txnNumber };
}

/** The bytes that name a session: a driver's lsid is { id: <UUID> } (plus uid under auth), its 16 bytes when alone. */
export function sessionKey(lsid: Document): Buffer {
  const id: unknown = lsid.id;
  return id instanceof Binary && Object.keys(lsid).length === 1 ? Buffer.from(id.buffer) : Buffer.from(serialize(lsid));
}

/**
 * Retryable writes, as a replica-set primary keeps them: the reply to the last write of each
 * session, stored in the same SQLite transaction as the write. A driver that lost the connection
 * before the reply resends the command with the same lsid and txnNumber; it gets the stored reply
 * instead of the write happening twice — also after a store restart.
 */
export class RetryableWrites {
  private readonly stmts;
  /** Each session's last recorded txnNumber, as far as this process knows: a newer one skips the lookup. */
  private readonly lastTxn = new Map<string, number>();

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS session_writes (
      lsid BLOB PRIMARY KEY, txn INTEGER NOT NULL, reply BLOB NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID`);
    this.stmts = {
      get: db.prepare<[Buffer], { txn: number; reply: Buffer }>('SELECT txn, reply FROM session_writes WHERE lsid = ?'),
      put: db.prepare<[Buffer, number, Buffer, number], void>(
        'INSERT INTO session_writes (lsid, txn, reply, at) VALUES (?, ?, ?, ?) ON CONFLICT (lsid) DO UPDATE SET txn = excluded.txn, reply = excluded.reply, at = excluded.at',
      ),
      expire: db.prepare<[number], void>('DELETE FROM session_writes WHERE at < ?'),
    };
  }

  /** The stored reply when this exact write already ran; throws when the session has moved past it. */
  previous(key: RetryKey): Document | undefined {
    // Only ever too high (a rolled-back write), never too low: a newer txnNumber is surely new.
    const known = this.lastTxn.get(key.session.toString('hex'));
    if (known !== undefined && key.txnNumber > known) return undefined;
    const row = this.stmts.get.get(key.session);
    if (!row || row.txn < key.txnNumber) return undefined;
    if (row.txn === key.txnNumber) return deserialize(row.reply);
    throw new MongoCommandError(225, 'TransactionTooOld', `Retryable write with txnNumber ${key.txnNumber} is prohibited on session because a newer retryable write with txnNumber ${row.txn} has already started on this session.`);
  }

  record(key: RetryKey, reply: Document): void {
    this.stmts.put.run(key.session, key.txnNumber, Buffer.from(serialize(reply)), Date.now());
    this.lastTxn.set(key.session.toString('hex'), key.txnNumber);
  }

  /** Forgets sessions idle past the session timeout. */
  expire(now = Date.now()): number {
    // A cache, not the truth: dropping it only costs lookups.
    if (this.lastTxn.size > 10_000) this.lastTxn.clear();
    return this.stmts.expire.run(now - SESSION_TIMEOUT_MS).changes;
  }
}
