import { Binary, ObjectId, Timestamp, type Decimal128 } from 'bson';

/**
 * The unified test format's matching rules: numbers compare by value whatever their BSON type,
 * root-level documents may carry extra fields, and `$$exists`, `$$type`, `$$unsetOrMatches`
 * are special operators.
 */
export type MatchResult = string | undefined;

/**
 * A BSON value's class name. Values the driver decoded come from its CommonJS copy of bson, not
 * the ES module this file imports, so `instanceof` misses them: bson's `_bsontype` tag does not.
 */
function bsonType(v: unknown): string | undefined {
  const tag = typeof v === 'object' && v !== null ? (v as { _bsontype?: unknown })._bsontype : undefined;
  return typeof tag === 'string' ? tag : undefined;
}

function isNumber(v: unknown): boolean {
  const t = bsonType(v);
  return typeof v === 'number' || typeof v === 'bigint' || t === 'Long' || t === 'Int32' || t === 'Double' || t === 'Decimal128';
}

function num(v: unknown): number {
  return bsonType(v) === 'Decimal128' ? Number((v as Decimal128).toString()) : Number(v);
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v.constructor === Object || Object.getPrototypeOf(v) === null);
}

function bsonTypeName(v: unknown): string[] {
  if (v === undefined) return [];
  if (v === null) return ['null'];
  if (typeof v === 'string') return ['string'];
  if (typeof v === 'boolean') return ['bool'];
  if (typeof v === 'number') return Number.isInteger(v) ? ['int', 'long', 'double', 'number'] : ['double', 'number'];
  const names: Record<string, string[]> = {
    Long: ['long', 'number'],
    Int32: ['int', 'number'],
    Double: ['double', 'number'],
    Decimal128: ['decimal', 'number'],
    ObjectId: ['objectId'],
    Binary: ['binData'],
    Timestamp: ['timestamp'],
  };
  const tag = bsonType(v);
  if (typeof v === 'bigint') return names.Long!;
  if (tag && names[tag]) return names[tag];
  if (v instanceof Date) return ['date'];
  if (Array.isArray(v)) return ['array'];
  if (v instanceof RegExp) return ['regex'];
  return ['object'];
}

function special(expected: Record<string, unknown>, actual: unknown, path: string, root: boolean): MatchResult | null {
  const keys = Object.keys(expected);
  if (keys.length !== 1 || !keys[0]!.startsWith('$$')) return null;
  const op = keys[0]!;
  const arg = expected[op];
  switch (op) {
    case '$$exists':
      return (actual !== undefined) === arg ? undefined : `${path}: expected exists=${String(arg)}`;
    case '$$type': {
      const wanted = Array.isArray(arg) ? (arg as string[]) : [arg as string];
      return bsonTypeName(actual).some((t) => wanted.includes(t)) ? undefined : `${path}: expected type ${wanted.join('|')}`;
    }
    case '$$unsetOrMatches':
      return actual === undefined ? undefined : match(arg, actual, path, root);
    case '$$matchAsRoot':
      return match(arg, actual, path, true);
    case '$$matchAsDocument':
      return match(arg, actual, path, false);
    default:
      return `${path}: unsupported operator ${op}`;
  }
}

/** Returns undefined on a match, else a short explanation of the first difference. */
export function match(expected: unknown, actual: unknown, path = '$', root = true): MatchResult {
  if (isNumber(expected)) return isNumber(actual) && num(expected) === num(actual) ? undefined : `${path}: expected ${String(expected)}, got ${String(actual)}`;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected array`;
    if (expected.length !== actual.length) return `${path}: expected ${expected.length} items, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const r = match(expected[i], actual[i], `${path}[${i}]`, root);
      if (r) return r;
    }
    return undefined;
  }
  if (isPlain(expected)) {
    const s = special(expected, actual, path, root);
    if (s !== null) return s;
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return `${path}: expected document, got ${JSON.stringify(actual)}`;
    const act = actual as Record<string, unknown>;
    for (const [k, v] of Object.entries(expected)) {
      const r = match(v, act[k], `${path}.${k}`, false);
      if (r) return r;
    }
    if (!root) {
      const extra = Object.keys(act).filter((k) => !(k in expected) && act[k] !== undefined);
      if (extra.length > 0) return `${path}: unexpected fields ${extra.join(',')}`;
    }
    return undefined;
  }
  if (expected instanceof ObjectId) {
    const same = bsonType(actual) === 'ObjectId' && (actual as ObjectId).toHexString() === expected.toHexString();
    return same ? undefined : `${path}: ObjectId mismatch`;
  }
  if (expected instanceof Date) return actual instanceof Date && expected.getTime() === actual.getTime() ? undefined : `${path}: date mismatch`;
  if (expected instanceof Binary || expected instanceof Timestamp || expected instanceof RegExp) {
    const same = expected instanceof RegExp ? actual instanceof RegExp && expected.source === actual.source && expected.flags === actual.flags : JSON.stringify(expected) === JSON.stringify(actual);
    return same ? undefined : `${path}: value mismatch`;
  }
  return expected === actual ? undefined : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}
