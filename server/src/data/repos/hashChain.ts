import { ObjectId, type Collection, type Document } from 'mongodb';
import type { StoreCommands } from '../storeCommands';

/** A stored link of a hash chain: its place (the unique `id`) and its hash. */
export interface ChainLink {
  id: number;
  hash: string;
}

type Head = { id: number; hash: string | null };

/** Lost races in a row before a group fails (each lost race means another server appended). */
const MAX_ATTEMPTS = 100;

/** What one chain's appender needs to know of the documents it appends. */
export interface ChainSpec<R, D extends ChainLink, W> {
  /** The chain's collection; it has a unique index on `id`. */
  collection: Collection<Document>;
  /** How documents are inserted into it (in process when the store runs here). */
  writes: StoreCommands;
  /** Where ids continue when the collection is empty (kept across a wipe). */
  floor(): Promise<number>;
  /** The stored document of `record` at `id`, linked to `prevHash` (its hash computed). */
  build(record: R, id: number, prevHash: string | null): D;
  /** What the caller gets for a stored document. */
  written(doc: D): W;
  /** Told of documents this process stored, in order, with what `written` made of each. */
  onStored?(docs: D[], written: W[]): void;
  /**
   * After a duplicate key: the answer for a record refused for a unique key of its own (not the
   * id), read from the stored document that holds the key; null when the record was not refused.
   */
  refused?(record: R): Promise<W | null>;
}

/**
 * Appends to a hash chain, safe with any number of server processes on one database. The chain
 * needs no process to own it: the unique index on `id` is the compare-and-swap. A group appends
 * at `head.id + 1, + 2, …`, each `prevHash` the hash before it, as one ordered `insertMany`; if
 * another server appended first, the insert stops at the first taken id (duplicate key) — what
 * went in before it is kept (it is correctly chained: ordered inserts stop at the first error),
 * the rest is re-chained onto the newest stored document and tried again. Document k+1 is only
 * ever inserted after document k is stored, so ids have no gaps and a reader that saw document k
 * has seen every one before it. See docs/scale.md.
 */
export class ChainAppender<R, D extends ChainLink, W> {
  /** The newest document as this process last knew it; undefined: read it from the database. */
  private head: Head | undefined = undefined;

  constructor(private readonly spec: ChainSpec<R, D, W>) {}

  /** Forget the chain head (after a failure, or the collection was wiped). */
  reset(): void {
    this.head = undefined;
  }

  /** Appends the records in order; one result per record. */
  async append(records: R[]): Promise<W[]> {
    const results: W[] = [];
    let rest = records;
    // Rounds that placed nothing: lost races only. A round that stored some documents, or had
    // one refused for a key of its own (answered by the stored one), moved on, and isn't counted:
    // a group of many already-sealed records would otherwise give up after MAX_ATTEMPTS of them.
    let stalled = 0;
    while (rest.length > 0) {
      if (stalled >= MAX_ATTEMPTS) throw new Error('chain append lost too many races; giving up');
      this.head ??= await this.readHead();
      const docs = this.chain(rest, this.head);
      // Our own `_id`s tell our documents apart after a lost race: two writers sealing the same
      // record onto the same head in the same millisecond build byte-identical documents, hash
      // included, and each would otherwise count the other's as its own.
      const ids = docs.map(() => new ObjectId());
      try {
        // The raw driver: these documents are built here, already in their stored shape.
        const stored = docs.map((d, i) => ({ _id: ids[i], ...d }));
        // A group of one (every call of a sequential caller): insertOne sends the same insert
        // command without the driver's bulk-write machinery, ~80 µs of CPU per call less
        // (bench/README.md, 2026-12-07); a taken key fails it with the same code 11000.
        if (stored.length === 1) await this.spec.writes.insertOne(stored[0]!);
        else await this.spec.writes.insertMany(stored, { ordered: true });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        this.head = undefined;
        const done = await this.resolvePartial(rest, docs, ids);
        if (done.length === 0) stalled++;
        results.push(...done);
        rest = rest.slice(done.length);
        continue;
      }
      const last = docs[docs.length - 1] as D;
      this.head = { id: last.id, hash: last.hash };
      // Each document mapped once: the callers and the listeners get the same results.
      const done = docs.map((d) => this.spec.written(d));
      this.spec.onStored?.(docs, done);
      results.push(...done);
      rest = [];
    }
    return results;
  }

  /**
   * After a duplicate key: which leading documents of ours went in (the stored document at the id
   * has our `_id`), and whether the first one that did not was refused for a key of its own (then
   * the stored document answers that record).
   */
  private async resolvePartial(records: R[], docs: D[], ids: ObjectId[]): Promise<W[]> {
    const stored = await this.spec.collection
      .find({ id: { $in: docs.map((d) => d.id) } }, { projection: { id: 1 } })
      .toArray();
    const ownerById = new Map(stored.map((d) => [d.id as number, String(d._id)]));
    let n = 0;
    while (n < docs.length && ownerById.get((docs[n] as D).id) === String(ids[n])) n++;
    const kept = docs.slice(0, n);
    const done = kept.map((d) => this.spec.written(d));
    if (kept.length > 0) this.spec.onStored?.(kept, [...done]);
    const next = records[n];
    if (next !== undefined && this.spec.refused) {
      const earlier = await this.spec.refused(next);
      if (earlier !== null) done.push(earlier);
    }
    return done;
  }

  private async readHead(): Promise<Head> {
    const last = await this.spec.collection.findOne(
      {},
      { sort: { id: -1 }, projection: { id: 1, hash: 1 } },
    );
    if (last) return { id: last.id as number, hash: last.hash as string };
    return { id: await this.spec.floor(), hash: null };
  }

  private chain(records: R[], head: Head): D[] {
    let { id, hash: prevHash } = head;
    return records.map((record) => {
      id += 1;
      const doc = this.spec.build(record, id, prevHash);
      prevHash = doc.hash;
      return doc;
    });
  }
}

/** Another writer took an id (or a unique key) first; bulk errors carry the code on the error. */
export function isDuplicateKey(error: unknown): boolean {
  const e = error as { code?: unknown; writeErrors?: unknown } | null;
  if (e?.code === 11000) return true;
  const first = Array.isArray(e?.writeErrors) ? (e.writeErrors[0] as { code?: unknown }) : null;
  return first?.code === 11000;
}
