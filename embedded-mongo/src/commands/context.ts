import type { Document } from 'bson';
import type { ChangeStreamRegistry } from '../changeStreams/registry.js';
import type { CursorRegistry } from '../cursors.js';
import { mongoError } from '../errors.js';
import { evaluateLet } from '../query/variables.js';
import type { Store } from '../storage/store.js';
import type { Transactions } from './transactions.js';

/** A one-node replica set, as the store presents itself unless told to be a standalone. */
export interface ReplicaSetInfo {
  name: string;
}

/** What every command handler can reach: the storage, the cursors and who is asking. */
export interface CommandContext {
  store: Store;
  cursors: CursorRegistry;
  /** Undefined for a standalone (no change streams, no retryable writes, as mongod). */
  replicaSet?: ReplicaSetInfo;
  /** Open change streams; a replica set member has them. */
  changeStreams?: ChangeStreamRegistry;
  /** Multi-document transactions; a replica set member started by startEmbeddedMongo has them. */
  transactions?: Transactions;
  /** The address the client reached this store at (`host:port` or a socket path): hello's `me` and `hosts`. */
  address?: string;
  /** The `$db` the command was sent to. */
  db: string;
  connectionId: number;
  /**
   * Replies go straight to the wire, so a find may put stored BSON in its batches as it is
   * (RawDocument) instead of decoded documents; in-process callers (runCommand) read documents.
   */
  rawBatches?: boolean;
}

export type CommandHandler = (cmd: Document, ctx: CommandContext) => Document;

/** The collection name a command targets (its first field's value), validated. */
export function collectionName(cmd: Document, field: string): string {
  const name: unknown = cmd[field];
  if (typeof name !== 'string' || name.length === 0) {
    throw mongoError('InvalidNamespace', `collection name has invalid type ${typeof name}`);
  }
  return name;
}

export function optionalDoc(cmd: Document, field: string): Document | undefined {
  const v: unknown = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw mongoError('TypeMismatch', `BSON field '${field}' is the wrong type '${Array.isArray(v) ? 'array' : typeof v}', expected type 'object'`);
  }
  return v;
}

export function optionalNumber(cmd: Document, field: string): number | undefined {
  const v: unknown = cmd[field];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'object' ? Number((v as { valueOf(): unknown }).valueOf()) : Number(v);
  if (!Number.isFinite(n)) throw mongoError('TypeMismatch', `BSON field '${field}' is the wrong type, expected a number`);
  return n;
}

/** Collation and `let` variables of a command (a statement's own collation wins). */
export function queryExtras(cmd: Document, statement?: Document): { collation?: Document; variables?: Document; hint?: unknown } {
  const collation = optionalDoc(statement ?? {}, 'collation') ?? optionalDoc(cmd, 'collation');
  const hint: unknown = statement ? statement.hint : cmd.hint;
  return { collation, variables: evaluateLet(optionalDoc(cmd, 'let')), ...(hint !== undefined ? { hint } : {}) };
}

export function docArray(cmd: Document, field: string): Document[] {
  const v: unknown = cmd[field];
  if (!Array.isArray(v)) throw mongoError('TypeMismatch', `BSON field '${field}' is missing or not an array`);
  return v as Document[];
}
