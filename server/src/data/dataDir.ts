import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The data directory is open to other users, belongs to another user, or is not a directory (or
 * a key file in it is not to be trusted): start-up stops here.
 */
export class DataDirError extends Error {}

/** What {@link dataDirOwnerProblem} needs of a `stat` result. */
export type OwnerStat = { uid: number };

/**
 * Why the data directory's owner is wrong, or null. A directory another user owns is theirs to
 * fill: they can plant a symlink where the admin key is written, or the key approval links are
 * signed with, and rename files under the server. Only the server's own user may own it.
 * `uid` is undefined where there are no uids (Windows).
 */
export function dataDirOwnerProblem(
  dir: string,
  info: OwnerStat,
  uid: number | undefined,
): string | null {
  if (uid === undefined || info.uid === uid) return null;
  return (
    `The data directory ${dir} belongs to uid ${info.uid}, not to the user this server runs as ` +
    `(uid ${uid}): that user could plant files the server trusts (the admin key, the approval ` +
    `signing key). Use a directory of your own (AEGIS_DATA_DIR), or, if the directory is rightly ` +
    `this server's, take it over:\n  chown -R ${uid} ${shellQuote(dir)}`
  );
}

/**
 * Makes sure `<AEGIS_DATA_DIR>` is the server's alone before anything is written into it: created
 * 0700 when missing (parents too), refused when another user owns it or group or others have
 * any access to it. It holds
 * the admin key and the store, so a readable directory would hand both to every local user (and
 * a 0711 one to anyone who knows a file name). Files are created 0600 by whoever writes them
 * (bootstrap.ts, embedded-mongo); the directory is the second lock. A running server never
 * loosens it.
 */
export async function preparePrivateDataDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await stat(dir);
  if (!info.isDirectory()) throw new DataDirError(`AEGIS_DATA_DIR ${dir} is not a directory`);
  const owner = dataDirOwnerProblem(dir, info, process.getuid?.());
  if (owner) throw new DataDirError(owner);
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
