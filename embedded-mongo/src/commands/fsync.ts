import type { Document } from 'bson';
import { mongoError } from '../errors.js';
import type { CommandContext } from './context.js';

/**
 * fsync: as mongod, flushes what is written to the data files. Here that is the index entries
 * still buffered (storage/pendingKeys.ts) merged into their tables, then a WAL checkpoint that
 * copies the committed pages into the database file. Nothing waits on it for durability (a commit
 * is already in the WAL); it lets a caller choose when that deferred work happens — a benchmark
 * charges each measured window with its own pages instead of whichever window a timer or the
 * automatic checkpoint lands in.
 *
 * `lock: true` (stop all writes until fsyncUnlock, for a file-copy backup) is refused: a copy of
 * the data directory is taken with the store stopped, or through mongodump.
 */
export function fsync(cmd: Document, ctx: CommandContext): Document {
  if (ctx.db !== 'admin') throw mongoError('Unauthorized', 'fsync may only be run against the admin database.');
  if (cmd.lock !== undefined && cmd.lock !== false && cmd.lock !== 0) {
    throw mongoError('CommandNotSupported', 'fsync with lock is not supported by the embedded store: stop it to copy its data directory, or use mongodump');
  }
  ctx.store.flush();
  return { numFiles: 1, ok: 1 };
}
