/**
 * fast-check generators of hostile requests: JSON fragments of the wrong type, huge, deeply
 * nested, prototype-polluting or carrying MongoDB operators, spliced into otherwise valid inputs;
 * whole bodies that are not JSON, not UTF-8 or too large; and hostile path segments.
 */
import fc from 'fast-check';

const nest = (depth: number, open: string, leaf: string, close: string) =>
  open.repeat(depth) + leaf + close.repeat(depth);

/** A JSON text that is hostile in place of one field's value. */
export const hostileFragment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '{"$gt":""}',
      '{"$ne":null}',
      '{"$where":"function(){while(true){}}"}',
      '{"$regex":".*","$options":"s"}',
      '{"$in":[1,2,3]}',
      '{"$expr":{"$eq":[1,1]}}',
      '[{"$gt":0}]',
      '{"$function":{"body":"return 1","args":[],"lang":"js"}}',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"polluted":true,"role":"admin"}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"prototype":{"polluted":true}}',
      '{"__proto__":null}',
      '{"toString":"x","valueOf":1,"hasOwnProperty":"y"}',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'true',
      'false',
      'null',
      '0',
      '-1',
      '1.5',
      '1e400',
      '-1e400',
      '9007199254740993',
      '""',
      '[]',
      '{}',
      '"1"',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '"\\ud800"',
      '"\\udfff\\ud800"',
      '"\\u0000"',
      '"a\\u0000b"',
      '"../../etc/passwd"',
      '"%00%ff%"',
      '"<script>alert(1)</script>"',
      '"\'; db.dropDatabase(); //"',
      '"constructor"',
      '"__proto__"',
      '"$where"',
      '" "',
      '"aegis_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"',
    ),
  },
  {
    // keys a document can't hold (BSON refuses a NUL in a key), anywhere in an object
    weight: 2,
    arbitrary: fc.oneof(
      fc.constantFrom(
        '{"a\\u0000b":1}',
        '{"ok":{"\\u0001":{"\\u001f":2}}}',
        '{"x":[{"\\u007f":1}]}',
        '{"\\ud800":1}',
        '{"\\u0000":{"$gt":""}}',
      ),
      fc
        .tuple(
          fc.string({ maxLength: 8 }),
          fc.integer({ min: 0, max: 31 }),
          fc.string({ maxLength: 8 }),
        )
        .map(([a, c, b]) =>
          JSON.stringify({ nested: { [`${a}${String.fromCharCode(c)}${b}`]: 1 } }),
        ),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1_000, max: 100_000 }).map((n) => JSON.stringify('x'.repeat(n))),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 100, max: 5_000 })
      .map((n) => JSON.stringify(Array.from({ length: n }, (_, i) => i))),
  },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 10_000 }).map((d) => nest(d, '[', '1', ']')) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 50, max: 10_000 }).map((d) => nest(d, '{"a":', '1', '}')),
  },
  {
    weight: 1,
    arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => JSON.stringify(s)),
  },
);

/** Extra keys injected at the top level of a body. */
export const hostileExtraKeys: fc.Arbitrary<string> = fc.constantFrom(
  '',
  '"__proto__":{"polluted":true}',
  '"constructor":{"prototype":{"polluted":true}}',
  '"$where":"1==1"',
  '"$set":{"role":"admin"}',
  '"_id":{"$oid":"000000000000000000000000"}',
  '"a\\u0000":1',
);

/** What may follow a tRPC procedure path: malformed percent-encoding, stray separators. */
export const hostileTrpcPathSuffix: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('%', '%E0%A4%A', '%zz', ',%', '%2', '%ff%fe', '/%', ',', '%00', '%2C%'),
  fc.string({ maxLength: 12 }).map((s) => `%${encodeURIComponent(s).replace(/%/g, '%%')}`),
);

/** Splices a hostile fragment into a valid object input: one field replaced (or added), maybe extra keys. */
export function spliceInput(
  base: Record<string, unknown>,
  field: string,
  fragment: string,
  extra: string,
): string {
  const parts = Object.entries(base)
    .filter(([k]) => k !== field)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  parts.push(`${JSON.stringify(field)}:${fragment}`);
  if (extra) parts.push(extra);
  return `{${parts.join(',')}}`;
}

/** Whole bodies that are not a JSON object at all. */
export const hostileRawBody: fc.Arbitrary<{ body: Uint8Array | string; contentType?: string }> =
  fc.oneof(
    fc
      .constantFrom(
        '{',
        '{"a":}',
        'undefined',
        'NaN',
        '[1,2',
        '\u0000',
        '{"a":1}{"b":2}',
        '{"a":1,}',
      )
      .map((body) => ({ body, contentType: 'application/json' })),
    fc.string({ maxLength: 300 }).map((body) => ({ body, contentType: 'application/json' })),
    fc
      .uint8Array({ minLength: 1, maxLength: 300 })
      .map((bytes) => ({ body: bytes, contentType: 'application/json' })),
    // invalid UTF-8 inside an otherwise valid JSON object
    fc
      .constantFrom(
        Uint8Array.from([
          0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d,
        ]),
        Uint8Array.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d]),
      )
      .map((body) => ({ body, contentType: 'application/json' })),
    fc.constantFrom(
      { body: 'name[$gt]=&id[$ne]=1', contentType: 'application/x-www-form-urlencoded' },
      { body: '{"name":"x"}', contentType: 'text/plain' },
      { body: '<a>1</a>', contentType: 'application/xml' },
      { body: '{"name":"x"}', contentType: 'application/json; charset=utf-16' },
      { body: '{"name":"x"}', contentType: 'multipart/form-data; boundary=x' },
    ),
  );

/** An oversized JSON body (over the 1 MB REST limit). */
export const oversizedBody = (): string => JSON.stringify({ name: 'x'.repeat(1_200_000) });

/** A hostile path segment (already URL-safe where fetch requires it). */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '%7B%22%24gt%22%3A%22%22%7D',
    '%24gt',
    '__proto__',
    'constructor',
    '%00',
    '%ff',
    '%E0%A4%A',
    '..%2F..%2Fetc',
    '-1',
    '0',
    '1.5',
    '1e400',
    '99999999999999999999999',
    'NaN',
    'null',
    '%20',
    'target',
  ),
  fc.integer({ min: 1, max: 5_000 }).map((n) => 'a'.repeat(n)),
  // never a bare positive number: that would be a valid id, and these must stay invalid
  fc
    .string({ maxLength: 60 })
    .map((s) => (/^\s*\d+\s*$/.test(s) ? `x${s}` : encodeURIComponent(s) || 'x')),
);

/**
 * Whether a fragment could pass as a valid id (REST coerces numbers: `"5"`, `true`, `[5]` become
 * 5). Id fields only get fragments that cannot, so no hostile call decides a real approval.
 */
export function couldBeId(fragment: string): boolean {
  if (fragment.length > 100) return false;
  try {
    const n = Number(JSON.parse(fragment));
    return Number.isInteger(n) && n > 0;
  } catch {
    return false;
  }
}
