import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

/** Collects what the logger writes, one parsed JSON line per entry. */
function capture(): { lines: Array<Record<string, unknown>>; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it("keeps each line's fields to that line (none carried into the next)", async () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', {}, stream);
    logger.info({ file: '/tmp/admin.key' }, 'first');
    logger.info({ entries: 3 }, 'second');
    logger.info('third');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => l.msg)).toEqual(['first', 'second', 'third']);
    expect(lines[1]).not.toHaveProperty('file');
    expect(lines[2]).not.toHaveProperty('file');
    expect(lines[2]).not.toHaveProperty('entries');
    expect(lines[0]).toMatchObject({ service: 'aegis', file: '/tmp/admin.key' });
  });

  it('redacts credentials', async () => {
    const { lines, stream } = capture();
    createLogger('info', {}, stream).info(
      { headers: { authorization: 'Bearer x' }, token: 't' },
      'req',
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).toMatchObject({
      headers: { authorization: '[redacted]' },
      token: '[redacted]',
    });
  });
});
