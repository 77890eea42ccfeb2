import { Long } from 'bson';
import { randomBytes } from 'node:crypto';
import type { Store } from '../storage/store.js';
import { ChangeStreamCursor } from './cursor.js';
import type { StreamSpec } from './spec.js';

type Wake = (woken: boolean) => void;

/** The namespace key a stream waits under: `db.coll`, `db`, or '' for the whole deployment. */
function keyOf(spec: StreamSpec): string {
  const { db, coll } = spec.scope;
  return db === undefined ? '' : coll === undefined ? db : `${db}.${coll}`;
}

/**
 * Open change stream cursors, and the getMores waiting on them. Waiting cursors are filed under
 * the namespace they watch; a commit wakes only those filed under a namespace it wrote (and the
 * whole-deployment ones), so a busy collection never wakes the watchers of a quiet one, and a
 * thousand idle watchers cost nothing per write.
 */
export class ChangeStreamRegistry {
  private readonly cursors = new Map<string, ChangeStreamCursor>();
  private readonly waiting = new Map<string, Map<ChangeStreamCursor, Wake>>();
  /** Waiting getMores woken by a commit (serverStatus reports it: who was woken, and how often). */
  wakeups = 0;

  constructor(
    private readonly store: Store,
    private readonly idleTimeoutMs = 10 * 60 * 1000,
  ) {
    store.oplog.onCommit((namespaces) => {
      this.wakeAll(this.waiting.get(''), namespaces);
      for (const ns of namespaces) this.wakeAll(this.waiting.get(ns), namespaces);
    });
  }

  private wakeAll(waiters: Map<ChangeStreamCursor, Wake> | undefined, namespaces: ReadonlySet<string>): void {
    if (!waiters) return;
    for (const [cursor, wake] of [...waiters]) {
      // A database stream that only wants some collections sleeps through writes to the others.
      if (!cursor.touchedBy(namespaces)) continue;
      this.wakeups++;
      wake(true);
    }
  }

  /** Getmores waiting for events now. */
  get waitingCount(): number {
    let n = 0;
    for (const w of this.waiting.values()) n += w.size;
    return n;
  }

  open(spec: StreamSpec): ChangeStreamCursor {
    const id = Long.fromBigInt(randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn);
    const cursor = new ChangeStreamCursor(id, spec, this.store);
    this.cursors.set(id.toString(), cursor);
    return cursor;
  }

  get(id: Long | number): ChangeStreamCursor | undefined {
    return this.cursors.get(id.toString());
  }

  /** Forgets a cursor; a getMore waiting on it returns at once. */
  remove(cursor: ChangeStreamCursor): boolean {
    this.waiting.get(keyOf(cursor.spec))?.get(cursor)?.(false);
    return this.cursors.delete(cursor.id.toString());
  }

  /**
   * Resolves true when a commit touches the cursor's namespace, false after `ms` or when the
   * cursor is removed. No polling: the oplog's commit hook does the waking.
   */
  wait(cursor: ChangeStreamCursor, ms: number): Promise<boolean> {
    const key = keyOf(cursor.spec);
    let filed = this.waiting.get(key);
    if (!filed) this.waiting.set(key, (filed = new Map<ChangeStreamCursor, Wake>()));
    const waiters = filed;
    return new Promise((resolve) => {
      const done: Wake = (woken) => {
        clearTimeout(timer);
        waiters.delete(cursor);
        if (waiters.size === 0 && this.waiting.get(key) === waiters) this.waiting.delete(key);
        resolve(woken && this.cursors.has(cursor.id.toString()));
      };
      const timer = setTimeout(() => done(false), ms);
      waiters.set(cursor, done);
    });
  }

  /** Drops cursors nobody asked for in a while (mongod's 10-minute cursor timeout). */
  reap(now = Date.now()): number {
    let n = 0;
    for (const c of [...this.cursors.values()]) {
      if (!c.busy && now - c.lastUsed > this.idleTimeoutMs && this.remove(c)) n++;
    }
    return n;
  }

  /** Moves every stream with nothing to read to the end of the log; call before trimming it. */
  catchUp(): void {
    for (const c of this.cursors.values()) c.catchUp();
  }

  /** Ends every waiting getMore (the store is closing). */
  close(): void {
    for (const c of [...this.cursors.values()]) this.remove(c);
  }

  get size(): number {
    return this.cursors.size;
  }
}
