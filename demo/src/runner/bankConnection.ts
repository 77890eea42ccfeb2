import mongoose, { type Connection } from 'mongoose';
import type { StoreAccess } from '@aegis/shared';
import { bankDb, type BankDb } from '@aegis/demo-bank';

export interface BankConnection {
  bank: BankDb;
  connection: Connection;
  uri: string;
  close(): Promise<void>;
}

/** Where the bank is, and what to tell the user when it can't be reached. */
export interface BankLocation {
  uri: string;
  /** Says where the URI came from and what to do instead, for the error message. */
  hint: string;
}

/**
 * Where the bank data lives. The tools run here, in the demo's process, on the same database
 * server as Aegis: `--mongo-uri`/`MONGO_URI` when given, otherwise whatever the Aegis server the
 * demo talks to says (`demo.store`, an admin call) — never a file another run left behind.
 */
export async function locateBank(
  explicit: string | undefined,
  server: { url: string; store: () => Promise<StoreAccess> },
): Promise<BankLocation> {
  if (explicit) return { uri: explicit, hint: 'Check --mongo-uri / MONGO_URI.' };
  let access: StoreAccess;
  try {
    access = await server.store();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/admin role|FORBIDDEN/i.test(message)) {
      throw new Error(
        `The demo needs an admin key to ask ${server.url} where its database is (${message}). ` +
          'Pass an admin key (--api-key, AEGIS_API_KEY), or the database itself with --mongo-uri / MONGO_URI.',
      );
    }
    throw error;
  }
  if (access.kind === 'external') {
    throw new Error(
      `The Aegis server at ${server.url} keeps its data in the MongoDB at ${access.hosts}, and does not ` +
        'hand out its credentials: give the demo the same database with MONGO_URI=… (or --mongo-uri).',
    );
  }
  const where = access.socket ? `the Unix socket ${access.socket}` : access.uri;
  return {
    uri: access.uri,
    hint:
      `The server at ${server.url} says its embedded store is at ${where}, which only the server's ` +
      "OS user can reach, on the server's machine: run the demo there as that user, or point both at " +
      'a MongoDB with MONGO_URI.',
  };
}

/** Opens a connection of the demo's own (not the global mongoose) to the bank database. */
export async function connectBank(location: BankLocation): Promise<BankConnection> {
  let conn: Connection;
  try {
    conn = await mongoose
      .createConnection(location.uri, { serverSelectionTimeoutMS: 5000 })
      .asPromise();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot reach the bank's database (${reason}). ${location.hint}`, {
      cause: error,
    });
  }
  return { bank: bankDb(conn), connection: conn, uri: location.uri, close: () => conn.close() };
}
