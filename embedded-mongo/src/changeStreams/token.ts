import type { Document } from 'bson';
import type { OpTime } from '../storage/oplogClock.js';
import { changeStreamError } from './errors.js';

/** What a token names: an event, the invalidate after it, or a batch's high-water mark. */
export type TokenKind = 'event' | 'invalidate' | 'highWater';

/** A position in the oplog: the stream resumes after entry `seq`, whose time is (t, i). */
export interface ResumePoint extends OpTime {
  seq: number;
  kind: TokenKind;
}

const KIND_CODES: Record<TokenKind, string> = { event: '00', invalidate: '01', highWater: '02' };
const KINDS = new Map(Object.entries(KIND_CODES).map(([k, v]) => [v, k as TokenKind]));
const TOKEN = /^82([0-9a-f]{8})([0-9a-f]{8})([0-9a-f]{16})(0[0-2])$/;

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/**
 * Encodes a resume token as mongod shapes it, `{ _data: <hex string> }`. The hex starts with
 * the cluster time (as mongod's do, after the same 0x82 type byte), so tokens sort by time;
 * drivers treat the rest as opaque.
 */
export function encodeToken(p: ResumePoint): Document {
  return { _data: `82${hex(p.t, 8)}${hex(p.i, 8)}${hex(p.seq, 16)}${KIND_CODES[p.kind]}` };
}

/** Decodes a token from resumeAfter/startAfter; anything else is InvalidResumeToken (260). */
export function decodeToken(raw: unknown, option: string): ResumePoint {
  const data: unknown = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Document)._data : undefined;
  const m = typeof data === 'string' ? TOKEN.exec(data) : null;
  if (!m || Object.keys(raw as Document).length !== 1) {
    throw changeStreamError('InvalidResumeToken', `'${option}' is not a resume token issued by this store: ${JSON.stringify(raw)}`);
  }
  const seq = Number.parseInt(m[3]!, 16);
  if (!Number.isSafeInteger(seq)) throw changeStreamError('InvalidResumeToken', `'${option}' names an impossible position`);
  return { t: Number.parseInt(m[1]!, 16), i: Number.parseInt(m[2]!, 16), seq, kind: KINDS.get(m[4]!)! };
}
