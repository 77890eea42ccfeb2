import type { Document } from 'bson';
import { mongoError } from '../errors.js';
import { isPlainObject } from '../storage/indexKeys.js';

const LEVELS = new Set(['local', 'majority', 'linearizable', 'available', 'snapshot']);

/**
 * Checks a command's readConcern as a replica-set primary does. Every level reads the same data
 * here (one node: every commit is majority-committed at once, and `afterClusterTime` is always
 * reached), so only malformed concerns and the combinations mongod forbids are refused.
 */
export function checkReadConcern(cmd: Document): void {
  const rc: unknown = cmd.readConcern;
  if (rc === undefined) return;
  if (!isPlainObject(rc)) throw mongoError('TypeMismatch', "BSON field 'readConcern' is the wrong type, expected type 'object'");
  const level = rc.level;
  if (level !== undefined && (typeof level !== 'string' || !LEVELS.has(level))) {
    throw mongoError('FailedToParse', `readConcern level must be one of local, majority, linearizable, available, snapshot; got ${JSON.stringify(level)}`);
  }
  const pipeline: unknown = cmd.pipeline;
  if (level === 'linearizable' && Array.isArray(pipeline) && pipeline.some((s) => isPlainObject(s) && ('$out' in s || '$merge' in s))) {
    throw mongoError('InvalidOptions', "{readConcern: {level: 'linearizable'}} is not allowed with $out or $merge");
  }
}
