import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** The data directory is open to other users, or is not a directory: start-up stops here. */
export class DataDirError extends Error {}

/**
 * Makes sure `<AEGIS_DATA_DIR>` is the owner's alone before anything is written into it: created
 * 0700 when missing (parents too), refused when group or others have any access to it. It holds
 * the admin key and the store, so a readable directory would hand both to every local user (and
 * a 0711 one to anyone who knows a file name). Files are created 0600 by whoever writes them
 * (bootstrap.ts, embedded-mongo); the directory is the second lock. A running server never
 * loosens it.
 */
export async function preparePrivateDataDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await stat(dir);
  if (!info.isDirectory()) throw new DataDirError(`AEGIS_DATA_DIR ${dir} is not a directory`);
  const open = info.mode & 0o077;
  if (open !== 0) {
    throw new DataDirError(
      `The data directory ${dir} is open to other users (mode ${(info.mode & 0o777).toString(8)}): ` +
        `anyone on this machine could read the admin key and the database. ` +
        `Make it yours alone and start again:\n  chmod 700 ${shellQuote(dir)}`,
    );
  }
  // Older versions wrote the store's TCP address here for the demo; it is stale by definition now
  // (the demo asks the server), and a stale address only ever led to ECONNREFUSED.
  await rm(path.join(dir, 'store.json'), { force: true });
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
