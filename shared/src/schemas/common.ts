import { z } from 'zod';

/** Agent names: what a developer types in code and a reviewer reads on screen. */
export const agentName = z
  .string()
  .min(1)
  .max(100)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9 _.:-]*$/,
    'letters, digits, space, "_", ".", ":" or "-", starting with a letter or digit',
  )
  .describe('Unique agent name');

/** Action (tool) names, as the tool registry spells them. */
export const actionName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:/-]+$/, 'letters, digits, "_", ".", ":", "/" or "-"')
  .describe('Tool / action name');

/** Times cross every boundary as ISO-8601 strings, so tRPC, REST and the SDK agree. */
export const isoTime = z.iso.datetime({ offset: true }).describe('ISO-8601 timestamp');

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * A JSON object, passed on as it came: the same object, with every own key. zod's record and
 * object schemas copy onto a plain `{}`, where a `"__proto__"` key sets the prototype and vanishes,
 * so the approval binding, the reviewer's view and the stored record would not see the same call.
 */
export const jsonObject = z
  .custom<Record<string, unknown>>(isJsonObject, { message: 'expected a JSON object' })
  .meta({ override: { type: 'object', additionalProperties: {} } });

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a key can't be stored as a document field name, or null. */
function badKey(key: string): string | null {
  const control = CONTROL.exec(key);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `key ${JSON.stringify(key)} contains a control character (U+${code})`;
  }
  if (LONE_SURROGATE.test(key)) return `key ${JSON.stringify(key)} is not well-formed Unicode`;
  // BSON encoders read an object holding `_bsontype` as one of BSON's own types (a Long, a
  // Binary…) and refuse it unless it is theirs: stored as a document, such an object failed the
  // write with a 500 (attack review 16).
  if (key === '_bsontype') return 'key "_bsontype" is reserved: the database reads an object holding it as a type of its own';
  return null;
}

/** The first key anywhere in `value` that can't be stored, with its path (no recursion: depth is the caller's guard's job). */
function findBadKey(value: unknown): { path: PropertyKey[]; message: string } | null {
  const stack: Array<[unknown, PropertyKey[]]> = [[value, []]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    for (const key of Object.keys(node)) {
      const message = Array.isArray(node) ? null : badKey(key);
      if (message) return { path: [...path, key], message };
      stack.push([(node as Record<string, unknown>)[key], [...path, key]]);
    }
  }
  return null;
}

/**
 * Refuses a JSON value holding a key that can't be stored as a document field (see `badKey`),
 * naming its path: for agent-written JSON stored as a document rather than as text.
 */
export function refineStorableKeys(value: unknown, ctx: z.RefinementCtx): void {
  const bad = findBadKey(value);
  if (bad) ctx.addIssue({ code: 'custom', message: bad.message, path: bad.path });
}

/**
 * Arguments of a tool call: any JSON object whose keys can be stored as they are — no control
 * characters (BSON can't hold a NUL in a key), no lone surrogates and no `_bsontype`, anywhere in it.
 */
export const toolArgs = jsonObject
  .superRefine(refineStorableKeys)
  .describe('Tool call arguments (JSON object)');

export const callId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/)
  .describe('Client-generated id of one tool call; ties the decision to its outcome');

export const sequentialId = z.number().int().positive().describe('Sequential numeric id');

export const pageLimit = z.number().int().min(1).max(200).default(50);
