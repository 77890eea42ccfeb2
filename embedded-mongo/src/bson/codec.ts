import { deserialize, Double, type Document } from 'bson';
import { bsonTypeOf } from './typeOrder.js';
import { isInt32Number } from './typeNames.js';

/**
 * Decoding that keeps every BSON number's type. bson's default decoding turns int64 and double
 * into JS numbers, which re-encode as int32 when they are small integers: `Long(37)` and
 * `Double(1.0)` would come back as int32. Here int64 stays a `Long`, and an integral double that
 * a JS number would re-encode as int32 stays a `Double` wrapper; every other number is a plain JS
 * number (re-encoded to the same type), so the common case costs one byte scan.
 */
export interface DecodeOptions {
  validateUtf8?: boolean;
}

/** True when a double in [start, end) holds a value bson would re-encode as an int32. */
function hasAmbiguousDouble(buf: Uint8Array, view: DataView, start: number, end: number): boolean {
  let i = start + 4;
  // Malformed lengths: answer "slow path" and let bson's own checks reject the document.
  if (end > buf.length || end < start + 5) return true;
  while (i < end) {
    const before = i;
    const type = buf[i++]!;
    if (type === 0) return false;
    while (buf[i] !== 0 && i < end) i++;
    i++;
    switch (type) {
      case 0x01: {
        const v = view.getFloat64(i, true);
        if (isInt32Number(v) || Object.is(v, -0)) return true;
        i += 8;
        break;
      }
      case 0x02:
      case 0x0d:
      case 0x0e:
        i += 4 + view.getInt32(i, true);
        break;
      case 0x03:
      case 0x04: {
        const len = view.getInt32(i, true);
        if (len < 5) return true;
        if (hasAmbiguousDouble(buf, view, i, i + len)) return true;
        i += len;
        break;
      }
      case 0x05:
        i += 5 + view.getInt32(i, true);
        break;
      case 0x07:
        i += 12;
        break;
      case 0x08:
        i += 1;
        break;
      case 0x09:
      case 0x11:
      case 0x12:
        i += 8;
        break;
      case 0x0b:
        while (buf[i] !== 0 && i < end) i++;
        i++;
        while (buf[i] !== 0 && i < end) i++;
        i++;
        break;
      case 0x0c:
        i += 4 + view.getInt32(i, true) + 12;
        break;
      case 0x0f:
        i += view.getInt32(i, true);
        break;
      case 0x10:
        i += 4;
        break;
      case 0x13:
        i += 16;
        break;
      default:
        // undefined, null, minKey, maxKey: no payload. Anything else: let bson report it.
        if (type !== 0x06 && type !== 0x0a && type !== 0x7f && type !== 0xff) return true;
    }
    // A negative length would walk backwards (or forever): bson rejects such documents.
    if (i <= before + 1) return true;
  }
  return false;
}

/** Int32 wrappers back to numbers; integral doubles stay wrapped, other doubles become numbers. */
function normalize(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = normalize(v[i]);
    return v;
  }
  const tag = bsonTypeOf(v);
  if (tag === 'Int32') return (v as { value: number }).value;
  if (tag === 'Double') {
    const n = (v as { value: number }).value;
    return isInt32Number(n) || Object.is(n, -0) ? v : n;
  }
  if (tag !== undefined || v instanceof Date || v instanceof RegExp || v instanceof Uint8Array) return v;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) o[k] = normalize(o[k]);
  return o;
}

export function decodeDocument(bytes: Uint8Array, options: DecodeOptions = {}): Document {
  const base = options.validateUtf8 ? { validation: { utf8: true as const } } : {};
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fast: boolean;
  try {
    fast = !hasAmbiguousDouble(bytes, view, 0, bytes.byteLength);
  } catch {
    fast = false;
  }
  if (fast) return deserialize(bytes, { ...base, promoteLongs: false });
  return normalize(deserialize(bytes, { ...base, promoteValues: false, promoteLongs: false })) as Document;
}

/** A double that keeps its type through storage (for arithmetic results such as 1.5 + 0.5). */
export function asDouble(n: number): number | Double {
  return isInt32Number(n) || Object.is(n, -0) ? new Double(n) : n;
}
