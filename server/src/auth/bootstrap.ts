import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { createKeyFile } from '../data/privateFile';
import type { KeyStore } from './keyStore';
import { BOOTSTRAP_CREATOR } from './types';
import type { Sessions } from './sessions';

export const ADMIN_KEY_FILE = 'admin.key';

export interface BootstrapResult {
  /** True when this start created the admin key (first start). */
  adminKeyCreated: boolean;
  /** Where the admin key was written, when it was. */
  adminKeyPath: string | null;
  /** A fresh one-time dashboard login link (15 minutes, single use). */
  loginUrl: string;
}

/**
 * First start: creates an admin key and writes it to `<dataDir>/admin.key` (mode 0600) where the
 * CLI and the demo find it. Every start: prints a fresh one-time login link, so a person can
 * always get into the dashboard from the terminal. The link goes to stdout only; the log line
 * says where it went without repeating the token.
 */
export async function bootstrap(opts: {
  keys: KeyStore;
  sessions: Sessions;
  dataDir: string;
  publicUrl: string;
  logger: Logger;
  print: (text: string) => void;
}): Promise<BootstrapResult> {
  const { keys, sessions, logger } = opts;
  const admins = await keys.activeAdmins();
  let adminKeyPath: string | null = null;
  const key = admins.length === 0 ? await createFirstAdmin(keys) : null;
  if (key) {
    adminKeyPath = path.join(opts.dataDir, ADMIN_KEY_FILE);
    await mkdir(opts.dataDir, { recursive: true });
    // A fresh 0600 file, never through a symlink or into another user's file (privateFile.ts);
    // an older admin.key of our own (a database since reset) is replaced.
    await createKeyFile(adminKeyPath, key + '\n', true);
    logger.info({ file: adminKeyPath }, 'created the admin key (first start)');
  } else {
    // E.g. a shared MONGO_URI database first set up on another machine: say how to get a key here.
    const file = path.join(opts.dataDir, ADMIN_KEY_FILE);
    const present = await access(file).then(
      () => true,
      () => false,
    );
    if (!present)
      logger.warn(
        { file },
        'no admin key file here: use the login link and `aegis keys create`, or copy the file over',
      );
  }
  // Read again when there was none: this start (or another server's, a moment ago) made it.
  const admin = admins[0] ?? (await keys.activeAdmins())[0];
  if (!admin) throw new Error('No active admin key after bootstrap');
  const token = await sessions.issueLoginToken(admin.id);
  const loginUrl = `${opts.publicUrl.replace(/\/+$/, '')}/login?token=${token}`;
  const lines = [
    '',
    '  Aegis dashboard: open this one-time login link (valid 15 minutes, single use):',
    `    ${loginUrl}`,
  ];
  if (adminKeyPath)
    lines.push(`  Admin API key written to ${adminKeyPath} (the CLI and the demo read it there).`);
  opts.print(lines.join('\n') + '\n\n');
  logger.info({ expiresInMin: 15 }, 'printed a one-time dashboard login link to stdout');
  return { adminKeyCreated: adminKeyPath !== null, adminKeyPath, loginUrl };
}

/**
 * The first admin key, or null when another server starting on the same database just created it
 * (a unique index lets one `bootstrap` key exist). If that key was since revoked and every admin
 * with it (by hand, in the database), a new one is made outside the once-only guard.
 */
async function createFirstAdmin(keys: KeyStore): Promise<string | null> {
  const input = { name: 'admin', role: 'admin', agents: null } as const;
  try {
    return (await keys.create(input, BOOTSTRAP_CREATOR)).key;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    if ((await keys.activeAdmins()).length > 0) return null;
    return (await keys.create(input, `${BOOTSTRAP_CREATOR} (again)`)).key;
  }
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 11000;
}
