import { describe, expect, it } from 'vitest';
import { BodyError, readBodyArgs } from '../../src/proxy/bodies';

// How `aegis proxy http` reads request bodies into arguments, including hostile ones: a body the
// proxy forwards must be one policy and DLP have read, or one it refuses.

const B = 'xyz123';
const TYPE = `multipart/form-data; boundary=${B}`;
const part = (headers: string, content: string) => `--${B}\r\n${headers}\r\n\r\n${content}\r\n`;
const field = (name: string, value: string) =>
  part(`Content-Disposition: form-data; name="${name}"`, value);
const form = (...parts: string[]) => Buffer.from(`${parts.join('')}--${B}--\r\n`, 'utf8');

function refusal(run: () => unknown): { status: number; code: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof BodyError) return { status: error.status, code: error.code };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('readBodyArgs', () => {
  it('reads multipart text fields and textual file parts, repeated names as a list', () => {
    const body = form(
      field('to', 'ACME'),
      field('memo', 'card 4111 1111 1111 1111'),
      field('tag', 'a'),
      field('tag', 'b'),
      part(
        'Content-Disposition: form-data; name="doc"; filename="note.txt"\r\nContent-Type: text/plain',
        'line one\r\nline two',
      ),
    );
    expect(readBodyArgs(TYPE, undefined, body, false)).toEqual({
      value: {
        to: 'ACME',
        memo: 'card 4111 1111 1111 1111',
        tag: ['a', 'b'],
        doc: { filename: 'note.txt', type: 'text/plain', content: 'line one\r\nline two' },
      },
    });
  });

  it('reads a small binary file part as text, a large one is opaque unless the route allows it', () => {
    const small = form(
      part(
        'Content-Disposition: form-data; name="f"; filename="a.bin"\r\nContent-Type: application/octet-stream',
        'card 4111 1111 1111 1111',
      ),
    );
    expect(readBodyArgs(TYPE, undefined, small, false).value).toMatchObject({
      f: { content: 'card 4111 1111 1111 1111' },
    });
    const large = form(
      part(
        'Content-Disposition: form-data; name="f"; filename="a.bin"\r\nContent-Type: application/octet-stream',
        'x'.repeat(70_000),
      ),
    );
    expect(readBodyArgs(TYPE, undefined, large, false).opaque).toMatch(/a\.bin.*70000 bytes/);
    expect(readBodyArgs(TYPE, undefined, large, true).opaque).toBeUndefined();
  });

  it('keeps __proto__ a plain field name', () => {
    const read = readBodyArgs(
      'application/x-www-form-urlencoded',
      undefined,
      Buffer.from('__proto__=x&amount=5&memo=card+4111+1111+1111+1111'),
      false,
    );
    expect(Object.getPrototypeOf(read.value)).toBe(Object.prototype);
    expect(read.value).toEqual(
      Object.fromEntries([
        ['__proto__', 'x'],
        ['amount', '5'],
        ['memo', 'card 4111 1111 1111 1111'],
      ]),
    );
  });

  it('names other bodies as opaque; with opaqueAsText their bytes are the text DLP scans', () => {
    const bytes = Buffer.from('card 4111 1111 1111 1111');
    expect(readBodyArgs('application/octet-stream', undefined, bytes, false)).toEqual({
      value: '<24 bytes of application/octet-stream>',
      opaque: '24 bytes of application/octet-stream',
    });
    expect(readBodyArgs('', undefined, bytes, true).value).toBe('card 4111 1111 1111 1111');
  });

  it('a urlencoded form of many repeated names is read in linear time, and capped (review 7)', () => {
    // 40,000 pairs took 80 s when each repeat copied the list; the cap answers before that.
    const many = Buffer.from('a=1&'.repeat(40_000));
    expect(
      refusal(() => readBodyArgs('application/x-www-form-urlencoded', undefined, many, false)),
    ).toEqual({ status: 413, code: 'TOO_MANY_PARTS' });
    const repeated = Buffer.from('a=1&'.repeat(1000));
    expect(
      readBodyArgs('application/x-www-form-urlencoded', undefined, repeated, false).value,
    ).toEqual({ a: Array<string>(1000).fill('1') });
  });

  it('text in a charset other than UTF-8 is opaque, not misread (review 7)', () => {
    const utf16 = Buffer.from('card 4111 1111 1111 1111', 'utf16le');
    const read = readBodyArgs('text/plain; charset=utf-16le', undefined, utf16, false);
    expect(read.opaque).toBe(`${utf16.length} bytes of text/plain; charset=utf-16le`);
    expect(readBodyArgs('text/plain; charset=UTF-8', undefined, Buffer.from('hi'), false)).toEqual({
      value: 'hi',
    });
    const file = form(
      part(
        'Content-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain; charset=utf-16le',
        'x',
      ),
    );
    expect(readBodyArgs(TYPE, undefined, file, false).opaque).toContain('file "a.txt"');
  });

  it('refuses hostile or unreadable bodies with a 4xx', () => {
    const ok = field('a', 'b');
    const cases: Array<[string, string | undefined, Buffer, number, string]> = [
      ['multipart/form-data', undefined, form(ok), 400, 'BAD_MULTIPART'], // no boundary
      ['multipart/form-data; boundary=""', undefined, form(ok), 400, 'BAD_MULTIPART'],
      [TYPE, undefined, Buffer.from(ok), 400, 'BAD_MULTIPART'], // no closing boundary
      [TYPE, undefined, Buffer.from('no parts at all'), 400, 'BAD_MULTIPART'],
      [TYPE, undefined, form(part('X-Nothing: 1', 'v')), 400, 'BAD_MULTIPART'], // no name
      [TYPE, undefined, form(`--${B}\r\nno header end`), 400, 'BAD_MULTIPART'],
      [
        TYPE,
        undefined,
        form(part(`Content-Disposition: form-data; name="a"\r\nX: ${'h'.repeat(9000)}`, 'v')),
        400,
        'BAD_MULTIPART',
      ],
      [
        TYPE,
        undefined,
        form(
          part(
            'Content-Disposition: form-data; name="a"\r\nContent-Disposition: form-data; name="b"',
            'v',
          ),
        ),
        400,
        'BAD_MULTIPART',
      ],
      [
        TYPE,
        undefined,
        form(part(`Content-Disposition: form-data; name*=utf-8''a`, 'v')),
        400,
        'BAD_MULTIPART',
      ],
      [
        TYPE,
        undefined,
        form(
          part(
            'Content-Disposition: form-data; name="inner"\r\nContent-Type: multipart/mixed; boundary=q',
            '--q\r\n\r\ncard 4111 1111 1111 1111\r\n--q--',
          ),
        ),
        415,
        'NESTED_MULTIPART',
      ],
      [
        TYPE,
        undefined,
        form(
          part(
            'Content-Disposition: form-data; name="a"\r\nContent-Transfer-Encoding: base64',
            'NDExMSAxMTExIDExMTEgMTExMQ==',
          ),
        ),
        415,
        'ENCODED_BODY',
      ],
      [TYPE, undefined, form(...Array.from({ length: 1001 }, () => ok)), 413, 'TOO_MANY_PARTS'],
      ['application/json', 'gzip', Buffer.from('x'), 415, 'ENCODED_BODY'],
      ['application/json', undefined, Buffer.from('{"a": '), 400, 'BAD_REQUEST'],
    ];
    for (const [type, encoding, body, status, code] of cases) {
      expect(
        refusal(() => readBodyArgs(type, encoding, body, true)),
        `${type} ${body.toString('utf8', 0, 80)}`,
      ).toEqual({ status, code });
    }
  });
});
