import type { AnyBulkWriteOperation, Collection } from 'mongodb';

/**
 * How long a writer's watermark may go without a beat before its server counts as stopped. Every
 * server beats at least every WATERMARK_BEAT_MS, and with each rollup flush; a minute of silence
 * is a server that is gone, not a slow one (a flush gives up after ~3 s of retries).
 */
export const WATERMARK_GRACE_MS = 2 * 60_000;
/** How often an idle server says it is alive. */
export const WATERMARK_BEAT_MS = 20_000;

const EPOCH = new Date(0);

/**
 * A writer's watermark: the rollup document (kind `wm`, the writer's id as `a`) saying how far
 * the rollups count the entries that writer — one server process — stored: every entry of that
 * writer with an id ≤ `through` is in the counters. Kept in the rollups collection so it moves in
 * the same write as the counters it describes (one command: one transaction in the embedded
 * store); a rebuild clears it with them.
 */
export interface Watermark {
  writer: string;
  through: number;
  beat: Date;
}

const key = (writer: string) => ({
  k: 'wm',
  g: 'all',
  t: EPOCH,
  a: writer,
  x: '',
  s: '',
  r: '',
  d: '',
});

/** The watermark's move (and a beat) for a write that counted entries up to `through`. */
export function watermarkOp(writer: string, through: number, beat: Date): AnyBulkWriteOperation {
  return {
    updateOne: {
      filter: key(writer),
      update: { $max: { through, beat } },
      upsert: true,
    },
  };
}

/** A recovery's progress: `through` only, so the stopped writer's beat stays old. */
export function recoveredThroughOp(writer: string, through: number): AnyBulkWriteOperation {
  return {
    updateOne: { filter: key(writer), update: { $max: { through } }, upsert: false },
  };
}

export function createWatermarks(coll: Collection) {
  return {
    /** A beat alone (an idle server), for a writer that has a watermark already. */
    async beat(writer: string, at: Date): Promise<void> {
      await coll.updateOne(key(writer), { $max: { beat: at } });
    },

    /** Watermarks whose writers have not beaten since `before`, oldest first (not `except`'s). */
    async stale(before: Date, except: string): Promise<Watermark[]> {
      const docs = await coll
        .find(
          { k: 'wm', g: 'all', t: EPOCH, beat: { $lt: before }, a: { $ne: except } },
          { projection: { _id: 0, a: 1, through: 1, beat: 1 }, sort: { beat: 1 }, limit: 100 },
        )
        .toArray();
      return docs.map((d) => ({
        writer: d.a as string,
        through: (d.through as number | undefined) ?? 0,
        beat: d.beat as Date,
      }));
    },

    async get(writer: string): Promise<Watermark | null> {
      const d = await coll.findOne(key(writer), { projection: { _id: 0, through: 1, beat: 1 } });
      return d ? { writer, through: (d.through as number) ?? 0, beat: d.beat as Date } : null;
    },

    /** Removes this server's watermark at a clean stop (every entry it wrote is counted). */
    async retire(writer: string): Promise<void> {
      await coll.deleteOne(key(writer));
    },

    /**
     * Removes a writer's watermark if it still reads `through` and has not beaten since `beat`
     * (its entries are all counted: a stopped server's, recovered, or this server's at a clean
     * stop).
     */
    async forget(writer: string, through: number, beat: Date): Promise<void> {
      await coll.deleteOne({ ...key(writer), through, beat: { $lte: beat } });
    },
  };
}
export type Watermarks = ReturnType<typeof createWatermarks>;
