import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Document } from 'bson';
import { afterAll, expect, it } from 'vitest';
import { runCommand } from '../src/commands/dispatch.js';
import { CursorRegistry } from '../src/cursors.js';
import { Store } from '../src/storage/store.js';

const dir = mkdtempSync(join(tmpdir(), 'embedded-fsync-'));
const store = new Store(join(dir, 'data.db'));
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});
const run = (cmd: Document, db = 'p'): Document =>
  runCommand({ ...cmd, $db: db }, { store, cursors: new CursorRegistry(), connectionId: 1 });

/** WAL frames written, and how many of them are already copied into the database file. */
function walState(): { log: number; checkpointed: number } {
  const [row] = store.db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
  return row!;
}

it('fsync merges buffered index entries and checkpoints the WAL', () => {
  run({ createIndexes: 'c', indexes: [{ key: { tag: 1 }, name: 'tag_1' }] });
  const docs = Array.from({ length: 200 }, (_, i) => ({ _id: i, tag: `t${i % 7}` }));
  // One document per command, as a server writes: their index entries are buffered (a large batch
  // writes them straight to the tables).
  for (const doc of docs) run({ insert: 'c', documents: [doc] });
  expect(store.pending.pending).toBeGreaterThan(0);

  expect(run({ fsync: 1 }, 'admin')).toEqual({ numFiles: 1, ok: 1 });

  expect(store.pending.pending).toBe(0);
  // A second checkpoint finds every frame already copied.
  const after = walState();
  expect(after.checkpointed).toBe(after.log);
  // Answers are those of the merged index.
  const found = run({ find: 'c', filter: { tag: 't3' }, hint: 'tag_1' }) as { cursor: { firstBatch: unknown[] } };
  expect(found.cursor.firstBatch).toHaveLength(docs.filter((d) => d.tag === 't3').length);
});

it('fsync is refused outside the admin database and with lock, as mongod refuses them', () => {
  expect(run({ fsync: 1 }, 'p')).toMatchObject({ ok: 0, code: 13, codeName: 'Unauthorized' });
  expect(run({ fsync: 1, lock: true }, 'admin')).toMatchObject({
    ok: 0,
    code: 115,
    codeName: 'CommandNotSupported',
    errmsg: expect.stringContaining('lock is not supported'),
  });
  expect(run({ fsync: 1, lock: false }, 'admin')).toMatchObject({ ok: 1 });
});
