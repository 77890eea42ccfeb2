/**
 * `JSON.stringify(value, null, 2)` in pieces, for a report head that can hold a thousand
 * manifests: joined, the pieces are exactly that text, but the value's own keys and, when they are
 * arrays or objects, their members come one at a time. A writer can then send each piece with
 * backpressure and let other requests run between them — one `JSON.stringify` of a large head
 * held the server's thread for 7.5 s and its text (twice, as a string and as bytes) in memory.
 * `indent` is the indentation of the line `value` starts on (its members go two spaces deeper).
 */
export function* jsonPieces(value: unknown, indent = '', depth = 2): Generator<string> {
  if (depth <= 0 || !isContainer(value)) {
    yield leaf(value, indent);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    yield '[';
    for (let i = 0; i < value.length; i++) {
      yield `${i ? ',' : ''}\n${inner}`;
      // an array member that JSON has no text for (undefined, a function) is written as null
      const member: unknown = value[i];
      if (writesNothing(member)) yield 'null';
      else yield* jsonPieces(member, inner, depth - 1);
    }
    yield `\n${indent}]`;
    return;
  }
  let first = true;
  for (const [key, member] of Object.entries(value)) {
    // an object member that JSON has no text for is left out
    if (writesNothing(member)) continue;
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `;
    yield* jsonPieces(member, inner, depth - 1);
    first = false;
  }
  yield first ? '{}' : `\n${indent}}`;
}

/** A plain array or object (not one with its own `toJSON`, such as a Date: that is a leaf). */
function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  );
}

/** Values JSON has no text for: left out of objects, null in arrays. */
function writesNothing(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function leaf(value: unknown, indent: string): string {
  const text = JSON.stringify(value, null, 2) as string | undefined;
  if (text === undefined) return 'null';
  // JSON escapes newlines inside strings: every newline here is the layout's own.
  return indent ? text.replaceAll('\n', `\n${indent}`) : text;
}
