import type { Document } from 'bson';
import { MongoCommandError } from '../errors.js';

/** Converts a per-statement failure into a writeErrors entry; anything unexpected propagates. */
export function toWriteError(index: number, err: unknown): Document {
  if (!(err instanceof MongoCommandError)) throw err;
  return { index, code: err.code, codeName: err.codeName, errmsg: err.message, ...err.extra };
}

/** Adds writeErrors only when there are some: drivers treat an empty array as an error list. */
export function withWriteErrors(reply: Document, writeErrors: Document[]): Document {
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  return reply;
}
