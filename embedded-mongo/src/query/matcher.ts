import { Query } from 'mingo/query';
import type { Options } from 'mingo/types';
import type { Document } from 'bson';
import { mongoError } from '../errors.js';
import { compileJsonSchema } from './jsonSchema.js';
import { mingoContext } from './mingoContext.js';

/**
 * mingo settings shared by every query, projection and pipeline: no server-side JavaScript
 * ($where/$function are an injection risk and MongoDB disables them by default on Atlas).
 */
export const mingoOptions: Partial<Options> = {
  scriptEnabled: false,
  idKey: '_id',
  context: mingoContext,
  jsonSchemaValidator: (schema) => compileJsonSchema(schema),
};

export type Matcher = (doc: Document) => boolean;

const matchAll: Matcher = () => true;

/** Compiles a query filter once; unknown operators become MongoDB's BadValue error. */
export function compileFilter(filter: Document | undefined, options: Partial<Options> = mingoOptions): Matcher {
  if (!filter || Object.keys(filter).length === 0) return matchAll;
  if (JSON.stringify(filter).includes('"$where"')) {
    throw mongoError('BadValue', '$where is not supported by embedded-mongo: it would run JavaScript on every document (mongod deprecates it); use $expr instead');
  }
  let query: Query;
  try {
    query = new Query(filter, options);
  } catch (err) {
    throw mongoError('BadValue', err instanceof Error ? err.message : String(err));
  }
  return (doc) => query.test(doc);
}
