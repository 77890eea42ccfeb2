import { constants, type Stats } from 'node:fs';
import { lstat, open, unlink } from 'node:fs/promises';
import { DataDirError } from './dataDir';

/** What {@link keyFileProblem} needs of an `lstat` result (a plain object in tests). */
export type KeyFileStat = Pick<Stats, 'uid' | 'mode'> & {
  isSymbolicLink(): boolean;
  isFile(): boolean;
};

/**
 * Why an existing key file in the data directory must not be used, or null when it may. A key
 * file is trusted only when it is a regular file of the server's own user that nobody else can
 * read: a symlink or another user's file is what someone who got at the directory first plants
 * (to read the admin key we write, or to choose the key approval links are signed with).
 * `uid` is undefined where there are no uids (Windows): only the kind is checked there.
 */
export function keyFileProblem(
  file: string,
  info: KeyFileStat,
  uid: number | undefined,
): string | null {
  if (info.isSymbolicLink())
    return `${file} is a symbolic link; Aegis neither reads nor writes a key through one. Remove it (rm ${file}) and start again`;
  if (!info.isFile()) return `${file} is not a regular file; remove it and start again`;
  if (uid !== undefined && info.uid !== uid)
    return `${file} belongs to uid ${info.uid}, not to the server's user (uid ${uid}): someone else may have planted it. Remove it and start again`;
  if (info.mode & 0o077)
    return `${file} is open to other users (mode ${(info.mode & 0o777).toString(8)}): chmod 600 ${file}, or remove it, and start again`;
  return null;
}

const ownUid = (): number | undefined => process.getuid?.();

/** `lstat`, or null when nothing is there. */
async function lstatOrNull(file: string): Promise<Stats | null> {
  try {
    return await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function checked(file: string): Promise<Stats | null> {
  const info = await lstatOrNull(file);
  if (!info) return null;
  const problem = keyFileProblem(file, info, ownUid());
  if (problem) throw new DataDirError(problem);
  return info;
}

/** O_NOFOLLOW where the platform has it: a symlink swapped in after the lstat fails the open. */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** The trimmed contents of a key file, or null when there is none; refuses what {@link keyFileProblem} names. */
export async function readKeyFile(file: string): Promise<string | null> {
  if (!(await checked(file))) return null;
  const handle = await open(file, constants.O_RDONLY | NOFOLLOW);
  try {
    return (await handle.readFile('utf8')).trim();
  } finally {
    await handle.close();
  }
}

/**
 * Creates a key file 0600, never through a symlink and never into a file someone else made
 * (O_CREAT|O_EXCL|O_NOFOLLOW). `replace`: an existing file of our own is removed first (an old
 * admin key from a database that was since reset); otherwise EEXIST is thrown to the caller.
 */
export async function createKeyFile(
  file: string,
  content: string,
  replace: boolean,
): Promise<void> {
  if (replace && (await checked(file))) await unlink(file);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;
  const handle = await open(file, flags, 0o600);
  try {
    await handle.writeFile(content);
    // The mode given to open is masked by the umask; 0600 is what the file must be.
    await handle.chmod(0o600);
  } finally {
    await handle.close();
  }
}
