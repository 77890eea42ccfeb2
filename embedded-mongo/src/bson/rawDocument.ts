import { serialize, type Document } from 'bson';
import { decodeDocument } from './codec.js';

/**
 * A document already in BSON — as stored, or cut to a projection's top-level fields — that a
 * reply carries as it is: a find that needs nothing of its results but their bytes sends them
 * without decoding and encoding each one again.
 */
export class RawDocument {
  constructor(readonly bytes: Buffer) {}
}

const ARRAY = 0x04;
const EMPTY_DOC = [0x05, 0, 0, 0, 0];

/** An array element's bytes: `type, "index\0", value`. */
function element(index: number, doc: Document | RawDocument): Buffer[] {
  const name = Buffer.from(`${index}\0`, 'latin1');
  const value = doc instanceof RawDocument ? doc.bytes : Buffer.from(serialize(doc));
  return [Buffer.from([0x03]), name, value];
}

/**
 * Serializes a cursor reply (`{cursor: {firstBatch | nextBatch, ...}, ...}`, the batch the first
 * field of `cursor`, as cursorReply builds it) whose batch holds RawDocuments: the reply is
 * encoded with an empty batch and the documents' bytes are spliced in, the two lengths around
 * them adjusted. Any other reply is serialized as usual.
 */
export function serializeReply(reply: Document): Buffer {
  const cursor = reply.cursor as Document | undefined;
  const batchKey = cursor && ['firstBatch', 'nextBatch'].find((k) => k in cursor);
  const batch: unknown = batchKey && cursor[batchKey];
  if (!Array.isArray(batch) || !batch.some((d) => d instanceof RawDocument)) return Buffer.from(serialize(reply));
  const shell = Buffer.from(serialize({ ...reply, cursor: { ...cursor, [batchKey!]: [] } }));
  // Layout of the shell: int32 | 0x03 "cursor\0" int32 | 0x04 "<batchKey>\0" (empty array) ...
  const cursorAt = 4 + 1 + 'cursor'.length + 1;
  const arrayAt = cursorAt + 4 + 1 + batchKey!.length + 1;
  const expected = Buffer.from([0x03, ...Buffer.from('cursor\0', 'latin1')]);
  const arrayHead = Buffer.from([ARRAY, ...Buffer.from(`${batchKey!}\0`, 'latin1'), ...EMPTY_DOC]);
  const canonical = Object.keys(reply)[0] === 'cursor' && Object.keys(cursor!)[0] === batchKey;
  if (!canonical || !shell.subarray(4, 4 + expected.length).equals(expected) || !shell.subarray(cursorAt + 4, arrayAt + 5).equals(arrayHead)) {
    // Not the layout cursorReply builds: decode the raw documents (types kept) and encode it all.
    const decoded = batch.map((d: unknown) => (d instanceof RawDocument ? decodeDocument(d.bytes) : d));
    return Buffer.from(serialize({ ...reply, cursor: { ...cursor, [batchKey!]: decoded } }));
  }
  const parts = (batch as Array<Document | RawDocument>).flatMap((doc, i) => element(i, doc));
  const body = parts.reduce((n, p) => n + p.length, 0);
  const arrayLength = 4 + body + 1;
  const head = Buffer.allocUnsafe(4);
  head.writeInt32LE(arrayLength, 0);
  const out = Buffer.concat([shell.subarray(0, arrayAt), head, ...parts, Buffer.from([0]), shell.subarray(arrayAt + 5)]);
  const grown = arrayLength - 5;
  out.writeInt32LE(shell.readInt32LE(0) + grown, 0);
  out.writeInt32LE(shell.readInt32LE(cursorAt) + grown, cursorAt);
  return out;
}

/** A batch member's BSON size (cursor batches stay under the reply limit). */
export function bsonSize(doc: Document | RawDocument, calculate: (d: Document) => number): number {
  return doc instanceof RawDocument ? doc.bytes.length : calculate(doc);
}
