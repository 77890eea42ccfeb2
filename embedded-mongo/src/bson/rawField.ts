// Sizes of the fixed-width BSON element types (type byte → value bytes).
const FIXED: Partial<Record<number, number>> = {
  0x01: 8, // double
  0x06: 0, // undefined
  0x07: 12, // ObjectId
  0x08: 1, // boolean
  0x09: 8, // UTC datetime
  0x0a: 0, // null
  0x10: 4, // int32
  0x11: 8, // timestamp
  0x12: 8, // int64
  0x13: 16, // decimal128
  0xff: 0, // minKey
  0x7f: 0, // maxKey
};

/** Where the value after `pos` ends, or -1 for a type this walker does not know. */
function valueEnd(bytes: Buffer, type: number, pos: number): number {
  const fixed = FIXED[type];
  if (fixed !== undefined) return pos + fixed;
  switch (type) {
    case 0x02: // string
    case 0x0d: // JavaScript code
    case 0x0e: // symbol
      return pos + 4 + bytes.readInt32LE(pos);
    case 0x03: // document
    case 0x04: // array
    case 0x0f: // code with scope
      return pos + bytes.readInt32LE(pos);
    case 0x05: // binary: length, subtype, bytes
      return pos + 5 + bytes.readInt32LE(pos);
    case 0x0b: {
      // regex: pattern and options, two cstrings
      const first = bytes.indexOf(0, pos);
      return first < 0 ? -1 : bytes.indexOf(0, first + 1) + 1 || -1;
    }
    case 0x0c: // DBPointer: string + ObjectId
      return pos + 4 + bytes.readInt32LE(pos) + 12;
    default:
      return -1;
  }
}

/**
 * The value of a document's top-level field when it is a string, read from its BSON without
 * decoding it; undefined when the field is absent, holds another type, appears twice, or the
 * bytes cannot be walked. Lets a change stream reject an entry by one string field (its
 * writer, say) before paying to decode the whole document.
 */
export function topLevelString(bytes: Buffer, field: Buffer): string | undefined {
  try {
    return walk(bytes, field);
  } catch {
    return undefined; // a length field pointed outside the bytes
  }
}

function walk(bytes: Buffer, field: Buffer): string | undefined {
  if (bytes.length < 5) return undefined;
  const end = Math.min(bytes.readInt32LE(0), bytes.length) - 1;
  let pos = 4;
  let found: string | undefined;
  let seen = false;
  while (pos < end) {
    const type = bytes[pos++]!;
    const keyEnd = bytes.indexOf(0, pos);
    if (keyEnd < 0 || keyEnd >= end) return undefined;
    const matches =
      keyEnd - pos === field.length && bytes.compare(field, 0, field.length, pos, keyEnd) === 0;
    pos = keyEnd + 1;
    const next = valueEnd(bytes, type, pos);
    if (next < pos || next > end) return undefined;
    if (matches) {
      if (seen) return undefined;
      seen = true;
      // The length includes the string's terminator.
      if (type === 0x02) found = bytes.toString('utf8', pos + 4, next - 1);
    }
    pos = next;
  }
  return found;
}

/**
 * A document holding only the top-level fields named in `keep`, cut from its BSON without
 * decoding the rest (their bytes are copied as they are); undefined when the bytes cannot be
 * walked. A find that projects a few fields of large documents then decodes only those.
 */
export function keepTopLevel(bytes: Buffer, keep: ReadonlySet<string>): Buffer | undefined {
  try {
    if (bytes.length < 5) return undefined;
    const end = Math.min(bytes.readInt32LE(0), bytes.length) - 1;
    const parts: Buffer[] = [];
    let size = 5;
    let pos = 4;
    while (pos < end) {
      const start = pos;
      const type = bytes[pos++]!;
      const keyEnd = bytes.indexOf(0, pos);
      if (keyEnd < 0 || keyEnd >= end) return undefined;
      const name = bytes.toString('utf8', pos, keyEnd);
      const next = valueEnd(bytes, type, keyEnd + 1);
      if (next <= keyEnd || next > end) return undefined;
      if (keep.has(name)) {
        parts.push(bytes.subarray(start, next));
        size += next - start;
      }
      pos = next;
    }
    const out = Buffer.allocUnsafe(size);
    out.writeInt32LE(size, 0);
    let at = 4;
    for (const part of parts) at += part.copy(out, at);
    out[at] = 0;
    return out;
  } catch {
    return undefined; // a length field pointed outside the bytes
  }
}
