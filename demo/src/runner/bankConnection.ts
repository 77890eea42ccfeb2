import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { bankDb, type BankDb } from '../bank/index.js';

export interface BankConnection {
  bank: BankDb;
  uri: string;
  close(): Promise<void>;
}

/**
 * Where the bank data lives. The tools run here, in the demo's process, but the data is the
 * server's (its demo procedure seeds it): with MONGO_URI both talk to the same MongoDB; with the
 * embedded store, the server writes the store's address to `<AEGIS_DATA_DIR>/store.json`
 * (`{ "uri": … }`) so that other processes on this machine can connect.
 */
export async function resolveBankUri(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if (explicit) return explicit;
  const file = join(env.AEGIS_DATA_DIR ?? '.aegis', 'store.json');
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (parsed && typeof parsed === 'object' && 'uri' in parsed && typeof parsed.uri === 'string')
      return parsed.uri;
  } catch {
    // fall through to the explanation below
  }
  throw new Error(
    `Cannot find the bank database: set MONGO_URI (or --mongo-uri), or start the server with \`npm start\` ` +
      `in this directory so its embedded store writes ${file}.`,
  );
}

/** Opens a connection of the demo's own (not the global mongoose) to the bank database. */
export async function connectBank(uri: string): Promise<BankConnection> {
  const conn = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
  return { bank: bankDb(conn), uri, close: () => conn.close() };
}
