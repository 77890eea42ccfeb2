import { AegisError } from '../errors';

/**
 * The deepest arguments a local-mode record can carry: the server takes input nested 64 levels
 * deep, and a record's arguments sit three levels down in its batch (`{entries: [{args}]}`).
 */
export const LOCAL_MAX_ARGS_DEPTH = 61;
/** Past this much JSON the server decides: it refuses arguments over its limit (64 KiB by default). */
export const LOCAL_MAX_ARGS_CHARS = 64 * 1024;

/** Arguments too large to decide here: the server sees them, and refuses them as it does. */
export const TOO_LARGE: unique symbol = Symbol('too large');

/**
 * The arguments as the server would receive them — their JSON form — so local mode decides on
 * what a strict call would send: a `new String(card)`, an object with `toJSON`, a Date, a class
 * instance or `undefined` become what JSON makes of them, and a DLP rule sees the same text.
 * Plain JSON values (nearly all) are returned as they are, after one walk that copies nothing.
 * Nested deeper than the server takes, or not JSON at all (a cycle, a BigInt): BAD_REQUEST, as
 * the server answers. Larger than {@link LOCAL_MAX_ARGS_CHARS}: {@link TOO_LARGE}.
 */
export function wireArgs(
  args: Record<string, unknown>,
): Record<string, unknown> | typeof TOO_LARGE {
  const walked = walk(args);
  if (walked.kind === 'deep') throw tooDeep();
  if (walked.kind === 'plain') return walked.size > LOCAL_MAX_ARGS_CHARS ? TOO_LARGE : args;
  let json: string;
  try {
    json = JSON.stringify(args);
  } catch (error) {
    throw new AegisError(
      'BAD_REQUEST',
      `args: not JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (json.length > LOCAL_MAX_ARGS_CHARS) return TOO_LARGE;
  const wire: unknown = JSON.parse(json);
  if (wire === null || typeof wire !== 'object' || Array.isArray(wire))
    throw new AegisError('BAD_REQUEST', 'args: must be a JSON object');
  if (walk(wire).kind === 'deep') throw tooDeep();
  return wire as Record<string, unknown>;
}

function tooDeep(): AegisError {
  return new AegisError('BAD_REQUEST', `args: nested deeper than ${LOCAL_MAX_ARGS_DEPTH} levels`);
}

/**
 * `plain` when every value is what JSON.parse makes (plain objects, real arrays, strings, finite
 * numbers, booleans, null), `other` when JSON would change something, `deep` past the depth; with
 * about the length of its JSON (strings, keys and numbers; syntax ignored), in the same pass.
 */
function walk(root: unknown): { kind: 'plain' | 'other' | 'deep'; size: number } {
  let kind: 'plain' | 'other' = 'plain';
  let size = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value === 'boolean') continue;
    if (typeof value === 'string') {
      size += value.length;
      continue;
    }
    if (typeof value === 'number') {
      size += 8;
      if (!Number.isFinite(value)) kind = 'other';
      continue;
    }
    if (typeof value !== 'object') {
      kind = 'other';
      continue;
    }
    if (depth > LOCAL_MAX_ARGS_DEPTH) return { kind: 'deep', size };
    const proto: unknown = Object.getPrototypeOf(value);
    const isArray = Array.isArray(value) && proto === Array.prototype;
    if (!isArray && proto !== Object.prototype && proto !== null) kind = 'other';
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') kind = 'other';
    if (isArray) {
      for (const child of value as unknown[]) {
        if (child === undefined) kind = 'other';
        else stack.push([child, depth + 1]);
      }
    } else {
      for (const [key, child] of Object.entries(value)) {
        size += key.length;
        if (child === undefined) kind = 'other';
        else stack.push([child, depth + 1]);
      }
    }
  }
  return { kind, size };
}
