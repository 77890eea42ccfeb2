import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { createKeyFile, readKeyFile as readPrivateKeyFile } from '../data/privateFile';
import { isDuplicateKey } from '../services/errors';

/** The file (embedded store) that holds the approval-binding key: 256 random bits, base64url. */
export const BINDING_KEY_FILE = 'binding.key';
/** Where a database deployment keeps it: a collection no procedure reads. */
const COLLECTION = 'aegis_secrets';
const DOC_ID = 'approval-binding';

export interface BindingSecretOptions {
  /** The data directory of an embedded-store installation. */
  dataDir: string;
  /** True for the embedded store (key in a file), false for MONGO_URI (key in the database). */
  embedded: boolean;
  connection: Connection;
  /** AEGIS_SECRET: used as given, wherever the data lives. */
  secret?: string;
  logger: Logger;
}

/**
 * The per-installation key approvals are bound with (see services/args.ts). AEGIS_SECRET wins;
 * otherwise an embedded installation keeps a generated key in `<dataDir>/binding.key` (0600), and
 * a MONGO_URI deployment generates one into the database on first start (servers sharing the
 * database then share it). Nothing any API key can call reads either place.
 */
export async function loadBindingSecret(opts: BindingSecretOptions): Promise<Buffer> {
  if (opts.secret) return Buffer.from(opts.secret, 'utf8');
  return opts.embedded ? fromFile(opts.dataDir, opts.logger) : fromDatabase(opts.connection);
}

/** The embedded installation's key file, created on first use (also read by `--workers`' primary). */
export async function fromFile(dataDir: string, logger: Logger): Promise<Buffer> {
  const file = path.join(dataDir, BINDING_KEY_FILE);
  const existing = await readKeyFile(file);
  if (existing) return existing;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('base64url');
  try {
    // O_EXCL: of two servers starting at once on one directory, one writes and both read its key
    await createKeyFile(file, `${key}\n`, false);
    logger.info({ file }, 'created the approval-binding key');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const written = await readKeyFile(file);
  if (!written) throw new Error(`${file}: empty approval-binding key`);
  return written;
}

/** A planted key (a symlink, another user's file) is refused: approval links are signed with it. */
async function readKeyFile(file: string): Promise<Buffer | null> {
  const text = await readPrivateKeyFile(file);
  return text ? Buffer.from(text, 'utf8') : null;
}

async function fromDatabase(connection: Connection): Promise<Buffer> {
  const secrets = connection.collection<{ _id: string; key: string }>(COLLECTION);
  const found = await secrets.findOne({ _id: DOC_ID });
  if (found) return Buffer.from(found.key, 'utf8');
  try {
    await secrets.insertOne({ _id: DOC_ID, key: randomBytes(32).toString('base64url') });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error; // another server got there first: use its key
  }
  const stored = await secrets.findOne({ _id: DOC_ID });
  if (!stored) throw new Error('the approval-binding key could not be stored');
  return Buffer.from(stored.key, 'utf8');
}
