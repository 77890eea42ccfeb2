import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';

/** The SQLite file inside a data directory. */
export const DB_FILE = 'embedded-mongo.sqlite';

/**
 * Prepares a data directory so that only its owner can read what the store writes: the directory
 * is created 0700 (an existing one keeps its mode: it is the caller's), and the database file is
 * created 0600 before SQLite opens it. SQLite creates its `-wal`, `-shm` and `-journal` files
 * with the database file's permission bits, so they are 0600 too; files an older version left
 * behind with looser bits are tightened here. Returns the database file's path.
 */
export function preparePrivateDataDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, DB_FILE);
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (existsSync(path)) chmodSync(path, 0o600);
  }
  return file;
}
