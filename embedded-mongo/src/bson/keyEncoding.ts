import { bsonTypeOf, toNumber, TypeRank, typeRank } from './typeOrder.js';

/**
 * Order-preserving byte encoding of index keys: for any two values, comparing their encodings
 * with memcmp (what SQLite does for BLOBs) gives MongoDB's sort order. That lets an index live in
 * an ordinary SQLite table whose primary key is the encoded key, and lets the planner turn
 * "equality prefix + range + sort" into one ordered range scan.
 *
 * Every component starts with a type tag in 0x10..0xE0 and is prefix-free (strings are escaped
 * and terminated), so a descending component can be stored bit-inverted and 0xFF after a prefix
 * is always an upper bound for every key that starts with that prefix.
 */
const tagOf = (rank: number): number => rank * 0x10;

/** Shared scratch space: key encoding is synchronous and never nested, so one buffer serves all. */
let scratch = Buffer.alloc(1024);

class ByteWriter {
  private buf = scratch;
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
    scratch = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  double(n: number): void {
    this.ensure(8);
    if (Number.isNaN(n)) {
      this.buf.fill(0, this.length, this.length + 8); // NaN sorts below every number
    } else {
      this.buf.writeDoubleBE(n === 0 ? 0 : n, this.length); // -0 and 0 are the same key
      if (n < 0) for (let i = 0; i < 8; i++) this.buf[this.length + i] = ~this.buf[this.length + i]! & 0xff;
      else this.buf[this.length] = this.buf[this.length]! ^ 0x80;
    }
    this.length += 8;
  }
  uint32(n: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(n >>> 0, this.length);
    this.length += 4;
  }
  /** Escapes 0x00 as 0x00 0xFF and terminates with 0x00 0x00: prefix-free and order-preserving. */
  string(s: string): void {
    // Only U+0000 encodes to a 0x00 byte: every other string is written in one go, not byte by byte.
    if (!s.includes('\0')) {
      this.ensure(s.length * 3 + 2);
      this.length += this.buf.write(s, this.length, 'utf8');
    } else {
      for (const b of Buffer.from(s, 'utf8')) {
        this.byte(b);
        if (b === 0) this.byte(0xff);
      }
    }
    this.byte(0);
    this.byte(0);
  }
  invertFrom(start: number): void {
    for (let i = start; i < this.length; i++) this.buf[i] = ~this.buf[i]! & 0xff;
  }
  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

function binaryBytes(v: unknown): { sub: number; bytes: Uint8Array } {
  if (v instanceof Uint8Array) return { sub: 0, bytes: v };
  const b = v as { sub_type: number; buffer: Uint8Array; position?: number };
  return { sub: b.sub_type, bytes: b.buffer.subarray(0, b.position ?? b.buffer.length) };
}

function writeValue(w: ByteWriter, v: unknown): void {
  const rank = typeRank(v);
  w.byte(tagOf(rank));
  switch (rank) {
    case TypeRank.minKey:
    case TypeRank.maxKey:
    case TypeRank.nullish:
      return;
    case TypeRank.number:
      return w.double(toNumber(v));
    case TypeRank.string:
      return w.string(String(v));
    case TypeRank.boolean:
      return w.byte(v ? 1 : 0);
    case TypeRank.date:
      return w.double((v as Date).getTime());
    case TypeRank.objectId:
      return w.bytes((v as { id: Uint8Array }).id);
    case TypeRank.timestamp: {
      const t = v as { getHighBitsUnsigned(): number; getLowBitsUnsigned(): number };
      w.uint32(t.getHighBitsUnsigned());
      return w.uint32(t.getLowBitsUnsigned());
    }
    case TypeRank.binary: {
      const { sub, bytes } = binaryBytes(v);
      w.uint32(bytes.length);
      w.byte(sub);
      return w.bytes(bytes);
    }
    case TypeRank.regex: {
      const r = v as { source?: string; pattern?: string; flags?: string; options?: string };
      w.string(r.source ?? r.pattern ?? '');
      return w.string(r.flags ?? r.options ?? '');
    }
    case TypeRank.array:
      for (const item of v as unknown[]) writeValue(w, item);
      return w.byte(0);
    case TypeRank.object:
      // Fields compare by (type, name, value), so write the tag before the name.
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        const start = w.length;
        writeValue(w, item);
        // Move the tag before the field name: re-encode as tag, name, value body.
        const encoded = w.result().subarray(start);
        w.length = start;
        w.byte(encoded[0]!);
        w.string(k);
        w.bytes(encoded.subarray(1));
      }
      return w.byte(0);
  }
}

/** Encodes a compound key; `directions[i] < 0` stores component i inverted (descending). */
export function encodeKey(values: readonly unknown[], directions: readonly number[]): Buffer {
  const w = new ByteWriter();
  values.forEach((v, i) => {
    const start = w.length;
    writeValue(w, v);
    if ((directions[i] ?? 1) < 0) w.invertFrom(start);
  });
  return w.result();
}

/** Bounds of one type bracket, for range predicates ($gt: 5 only matches numbers). */
export function typeBracketEnd(v: unknown): Buffer {
  return Buffer.from([tagOf(typeRank(v)) + 1]);
}

export function bracketTagOf(v: unknown): number {
  return tagOf(typeRank(v));
}

/** Exposed for the unusual case of a UUID or other bson class whose tag we want to check. */
export { bsonTypeOf };
