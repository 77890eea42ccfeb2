import type { Document } from 'bson';
import { decodeDocument } from '../bson/codec.js';
import { serializeReply } from '../bson/rawDocument.js';

/** Opcodes of the MongoDB wire protocol that this server understands or answers with. */
export const OpCode = { REPLY: 1, QUERY: 2004, COMPRESSED: 2012, MSG: 2013 } as const;

/** OP_MSG flag bits (see the MongoDB wire protocol spec, "OP_MSG"). */
export const MsgFlags = { checksumPresent: 1 << 0, moreToCome: 1 << 1, exhaustAllowed: 1 << 16 } as const;

export const HEADER_SIZE = 16;

export interface MessageHeader {
  length: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

/** A decoded request: the command document plus what is needed to frame the answer. */
export interface Request {
  header: MessageHeader;
  kind: 'query' | 'msg';
  command: Document;
  /** moreToCome on a request means the client wants no reply at all (w:0 writes). */
  moreToCome: boolean;
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

export function readHeader(buf: Buffer): MessageHeader {
  return {
    length: buf.readInt32LE(0),
    requestId: buf.readInt32LE(4),
    responseTo: buf.readInt32LE(8),
    opCode: buf.readInt32LE(12),
  };
}


function readBsonAt(buf: Buffer, offset: number, end: number): { doc: Document; next: number } {
  if (offset + 5 > end) throw new ProtocolError('truncated BSON document');
  const size = buf.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new ProtocolError('invalid BSON document length');
  // Strict about UTF-8 so that invalid input is rejected rather than stored; numbers keep their BSON types.
  const doc = decodeDocument(buf.subarray(offset, offset + size), { validateUtf8: true });
  return { doc, next: offset + size };
}

function readCString(buf: Buffer, offset: number, end: number): { value: string; next: number } {
  const zero = buf.indexOf(0, offset);
  if (zero < 0 || zero >= end) throw new ProtocolError('unterminated C string');
  return { value: buf.toString('utf8', offset, zero), next: zero + 1 };
}

/** Parses OP_MSG: a kind-0 body plus kind-1 document sequences merged into the body as arrays. */
function parseMsg(header: MessageHeader, buf: Buffer): Request {
  const flags = buf.readUInt32LE(HEADER_SIZE);
  // Unknown required flag bits (0-15) must make the server reject the message.
  if ((flags & 0xfffc) !== 0) throw new ProtocolError(`unsupported OP_MSG flags ${flags}`);
  const end = flags & MsgFlags.checksumPresent ? buf.length - 4 : buf.length;
  let offset = HEADER_SIZE + 4;
  let body: Document | undefined;
  const sequences: [string, Document[]][] = [];
  while (offset < end) {
    const kind = buf.readUInt8(offset++);
    if (kind === 0) {
      if (body) throw new ProtocolError('OP_MSG has more than one body section');
      const r = readBsonAt(buf, offset, end);
      body = r.doc;
      offset = r.next;
    } else if (kind === 1) {
      if (offset + 4 > end) throw new ProtocolError('truncated document sequence');
      const seqEnd = offset + buf.readInt32LE(offset);
      if (seqEnd > end || seqEnd < offset + 5) throw new ProtocolError('invalid document sequence length');
      const id = readCString(buf, offset + 4, seqEnd);
      const docs: Document[] = [];
      for (let p = id.next; p < seqEnd; ) {
        const r = readBsonAt(buf, p, seqEnd);
        docs.push(r.doc);
        p = r.next;
      }
      sequences.push([id.value, docs]);
      offset = seqEnd;
    } else {
      throw new ProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new ProtocolError('OP_MSG without a body section');
  for (const [id, docs] of sequences) body[id] = docs;
  return { header, kind: 'msg', command: body, moreToCome: (flags & MsgFlags.moreToCome) !== 0 };
}

/** Parses the legacy OP_QUERY, which drivers still use for the very first `ismaster`. */
function parseQuery(header: MessageHeader, buf: Buffer): Request {
  const ns = readCString(buf, HEADER_SIZE + 4, buf.length);
  if (!ns.value.endsWith('.$cmd')) throw new ProtocolError('OP_QUERY is only supported for commands');
  const { doc } = readBsonAt(buf, ns.next + 8, buf.length);
  // Legacy commands may be wrapped as { $query: {...}, $readPreference }.
  const inner: unknown = doc.$query ?? doc.query;
  const command = inner && typeof inner === 'object' ? (inner as Document) : doc;
  command.$db ??= ns.value.slice(0, -'.$cmd'.length);
  return { header, kind: 'query', command, moreToCome: false };
}

/** Decodes one complete frame (header included). Throws ProtocolError on malformed input. */
export function parseRequest(buf: Buffer): Request {
  const header = readHeader(buf);
  if (header.opCode === OpCode.MSG) return parseMsg(header, buf);
  if (header.opCode === OpCode.QUERY) return parseQuery(header, buf);
  throw new ProtocolError(`unsupported opCode ${header.opCode}`);
}

let nextRequestId = 1;

function frame(opCode: number, responseTo: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(HEADER_SIZE);
  head.writeInt32LE(HEADER_SIZE + payload.length, 0);
  head.writeInt32LE(nextRequestId++ & 0x7fffffff, 4);
  head.writeInt32LE(responseTo, 8);
  head.writeInt32LE(opCode, 12);
  return Buffer.concat([head, payload]);
}

/** Encodes the answer in the same dialect the request used: OP_REPLY for OP_QUERY, else OP_MSG. */
export function encodeReply(req: Request, reply: Document): Buffer {
  const doc = serializeReply(reply);
  if (req.kind === 'query') {
    const prefix = Buffer.alloc(20); // responseFlags, cursorID (int64), startingFrom, numberReturned
    prefix.writeInt32LE(1, 16);
    return frame(OpCode.REPLY, req.header.requestId, Buffer.concat([prefix, doc]));
  }
  const prefix = Buffer.alloc(5); // flagBits = 0, then section kind 0
  return frame(OpCode.MSG, req.header.requestId, Buffer.concat([prefix, doc]));
}
