import type { Document } from 'bson';
import { Aggregator } from 'mingo/aggregator';
import { mongoError } from '../errors.js';
import { mingoOptions } from './matcher.js';

/**
 * `let` values are expressions evaluated once per command ({ $literal: '$x' } is the string
 * '$x'), so they are computed here before being handed to mingo as plain variables.
 */
export function evaluateLet(spec: Document | undefined): Document | undefined {
  if (!spec || Object.keys(spec).length === 0) return undefined;
  try {
    return new Aggregator([{ $replaceWith: { $literal: {} } }, { $addFields: spec }], mingoOptions).run<Document>([{}])[0];
  } catch (err) {
    throw mongoError('BadValue', err instanceof Error ? err.message : String(err));
  }
}
