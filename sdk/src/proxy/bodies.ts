/**
 * Request bodies as policy and DLP read them. A body the proxy forwards but Aegis can't read is a
 * way past every rule about its contents (a card sent as multipart/form-data while the policy saw
 * "<N bytes>"), so every shape the proxy knows is parsed into arguments, and anything else is
 * reported as opaque for the caller to refuse (or, on routes that opt in, to scan as text).
 */
import { firstDuplicateKey } from './duplicateKeys';

/** A body the proxy refuses to read; answered with `status` and `code`, nothing sent. */
export class BodyError extends Error {
  override name = 'BodyError';
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The body as arguments; `opaque` names what could not be read (absent when all of it was). */
export interface ReadBody {
  value: unknown;
  opaque?: string;
}

/** Text-like types whose bytes are the text a person or a DLP pattern reads. */
export const TEXT =
  /^(text\/|application\/(json|[\w.+-]*\+json|xml|[\w.+-]*\+xml|x-www-form-urlencoded))/i;

/** File parts up to this size are scanned as text whatever their type (a `.bin` with a card in it). */
const SMALL_PART_BYTES = 64 * 1024;
const MAX_PARTS = 1000;
const MAX_PART_HEADER_BYTES = 8 * 1024;

/**
 * Reads a non-empty body. `opaqueAsText` (the route's `opaqueBody: allow`) turns what would be
 * opaque into its bytes as text, so DLP still scans it; structured rules can't read it either way.
 */
export function readBodyArgs(
  type: string,
  encoding: string | undefined,
  body: Buffer,
  opaqueAsText: boolean,
): ReadBody {
  if (encoding && !/^\s*identity\s*$/i.test(encoding)) {
    // Compressed bytes hide their text from DLP, and from the person who reviews them.
    throw new BodyError(
      415,
      'ENCODED_BODY',
      `The request body is sent with Content-Encoding "${encoding}", which Aegis can't read: send it uncompressed`,
    );
  }
  if (/json/i.test(type)) return { value: readJson(body.toString('utf8')) };
  if (!readableCharset(type)) {
    // Read as UTF-8, UTF-16 text is every other byte NUL: no detector sees a card in it.
    const what = `${body.length} bytes of ${type}`;
    return opaqueAsText
      ? { value: body.toString('latin1'), opaque: what }
      : { value: `<${what}>`, opaque: what };
  }
  if (/^application\/x-www-form-urlencoded\b/i.test(type))
    return { value: fields(formPairs(body.toString('utf8'))) };
  if (/^multipart\/form-data\b/i.test(type)) return parseFormData(type, body, opaqueAsText);
  if (TEXT.test(type)) return { value: body.toString('utf8') };
  const what = `${body.length} bytes of ${type || 'unknown type'}`;
  return opaqueAsText
    ? { value: body.toString('utf8'), opaque: what }
    : { value: `<${what}>`, opaque: what };
}

/**
 * A JSON body, refused when an object repeats a key: policy would decide on the last value (what
 * `JSON.parse` keeps) while some upstreams act on the first.
 */
function readJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BodyError(400, 'BAD_REQUEST', 'The request body says it is JSON but does not parse');
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== null) {
    throw new BodyError(
      400,
      'DUPLICATE_KEY',
      `The JSON body gives the key ${duplicate} twice: policy would decide on the last value while the upstream may read the first, so the request was not sent. Send each key once`,
    );
  }
  return value;
}

/** A declared charset other than UTF-8's family: the bytes are not the text Aegis would read. */
function readableCharset(type: string): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
  return !charset || ['utf-8', 'utf8', 'us-ascii', 'ascii'].includes(charset);
}

/** A urlencoded form's pairs, no more of them than a multipart form may have parts. */
function formPairs(text: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const pair of new URLSearchParams(text)) {
    if (pairs.length >= MAX_PARTS)
      throw new BodyError(413, 'TOO_MANY_PARTS', `The form has over ${MAX_PARTS} fields: not sent`);
    pairs.push(pair);
  }
  return pairs;
}

/** name → value, or → values when a name repeats. `fromEntries` keeps `__proto__` a plain key. */
function fields(pairs: Iterable<[string, unknown]>): Record<string, unknown> {
  const grouped = new Map<string, unknown[]>();
  for (const [name, value] of pairs) {
    const values = grouped.get(name);
    if (values) values.push(value);
    else grouped.set(name, [value]);
  }
  return Object.fromEntries(
    [...grouped].map(([name, values]) => [name, values.length === 1 ? values[0] : values]),
  );
}

/** A file part as the arguments show it: its name, type, and its text (or its size when opaque). */
interface FilePart {
  filename: string;
  type: string;
  content: string;
}

/**
 * `multipart/form-data` (RFC 7578) into fields. Text fields are strings; file parts are
 * {@link FilePart}s, read as text when textual or small. Nested multipart, transfer encodings and
 * malformed framing are refused rather than guessed at: a parser that disagrees with the
 * upstream's about where a part ends would let the upstream read what Aegis didn't.
 */
export function parseFormData(type: string, body: Buffer, opaqueAsText: boolean): ReadBody {
  const boundary = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))(?:\s*;|\s*$)/i.exec(type);
  const token = boundary?.[1] ?? boundary?.[2];
  if (!token) throw bad('The multipart/form-data body has no (valid) boundary parameter');
  const parts = splitParts(body.toString('latin1'), `--${token}`);
  const opaque: string[] = [];
  const pairs = parts.map((raw): [string, unknown] => {
    const part = readPart(raw);
    if (part.filename === undefined) return [part.name, part.bytes.toString('utf8')];
    const textual =
      readableCharset(part.type) && (TEXT.test(part.type) || part.bytes.length <= SMALL_PART_BYTES);
    let content: string;
    if (textual || opaqueAsText) content = part.bytes.toString('utf8');
    else {
      content = `<${part.bytes.length} bytes of ${part.type}>`;
      opaque.push(`file "${part.filename}" (${part.bytes.length} bytes of ${part.type})`);
    }
    const file: FilePart = { filename: part.filename, type: part.type, content };
    return [part.name, file];
  });
  return {
    value: fields(pairs),
    ...(opaque.length > 0 ? { opaque: opaque.join(', ') } : {}),
  };
}

/** The raw parts between the delimiters; the text is latin1, one char per byte. */
function splitParts(text: string, delimiter: string): string[] {
  const first = text.startsWith(delimiter) ? 0 : text.indexOf(`\r\n${delimiter}`);
  if (first < 0) throw bad('The multipart/form-data body has no part with its boundary');
  let at = first + (first === 0 ? 0 : 2) + delimiter.length;
  const parts: string[] = [];
  for (;;) {
    if (text.startsWith('--', at)) return parts; // the close delimiter; the epilogue is ignored
    const lineEnd = text.indexOf('\r\n', at);
    if (lineEnd < 0 || text.slice(at, lineEnd).trim() !== '')
      throw bad('A multipart/form-data boundary line has text after it');
    const next = text.indexOf(`\r\n${delimiter}`, lineEnd + 2);
    if (next < 0) throw bad('The multipart/form-data body ends without its closing boundary');
    if (parts.length >= MAX_PARTS)
      throw new BodyError(413, 'TOO_MANY_PARTS', `The form has over ${MAX_PARTS} parts: not sent`);
    parts.push(text.slice(lineEnd + 2, next));
    at = next + 2 + delimiter.length;
  }
}

function readPart(raw: string): { name: string; filename?: string; type: string; bytes: Buffer } {
  const split = raw.indexOf('\r\n\r\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  if (split < 0 || head.length > MAX_PART_HEADER_BYTES)
    throw bad('A multipart/form-data part has no (or an oversized) header section');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw bad(`A multipart/form-data part has a malformed header line`);
    const name = line.slice(0, colon).trim().toLowerCase();
    // Two of a header: which one wins is the upstream's guess, not ours to make.
    if (headers.has(name)) throw bad(`A multipart/form-data part repeats its ${name} header`);
    headers.set(name, Buffer.from(line.slice(colon + 1).trim(), 'latin1').toString('utf8'));
  }
  const disposition = headers.get('content-disposition') ?? '';
  const name = param(disposition, 'name');
  if (!/^form-data\s*(;|$)/i.test(disposition) || name === undefined)
    throw bad('A multipart/form-data part has no Content-Disposition: form-data; name="…"');
  const type = headers.get('content-type') ?? 'text/plain';
  if (/^multipart\//i.test(type))
    throw new BodyError(415, 'NESTED_MULTIPART', 'Nested multipart bodies are not read: not sent');
  const transfer = headers.get('content-transfer-encoding');
  if (transfer && !/^(7bit|8bit|binary)$/i.test(transfer))
    throw new BodyError(
      415,
      'ENCODED_BODY',
      `A form part is sent with Content-Transfer-Encoding "${transfer}", which Aegis can't read: not sent`,
    );
  return {
    name,
    filename: param(disposition, 'filename'),
    type,
    bytes: Buffer.from(raw.slice(split + 4), 'latin1'),
  };
}

/** A quoted or bare parameter of a header value (`name="memo"`); `filename*` is not trusted. */
function param(header: string, key: string): string | undefined {
  if (new RegExp(`;\\s*${key}\\*\\s*=`, 'i').test(header))
    throw bad(`A multipart/form-data part uses ${key}*=, which is not read`);
  const m = new RegExp(`;\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i').exec(
    header,
  );
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

function bad(message: string): BodyError {
  return new BodyError(400, 'BAD_MULTIPART', `${message}: not sent`);
}
