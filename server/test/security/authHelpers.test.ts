import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isLoopback, jsonDepth, RateLimiter, warnIfExposed } from '../../src/auth';

function capture() {
  let text = '';
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _e, done) {
        text += chunk.toString();
        done();
      },
    }),
  );
  return { logger, text: () => text };
}

describe('warnIfExposed', () => {
  it('is quiet on loopback and behind https, loud on any other address', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost'])
      expect(isLoopback(host)).toBe(true);
    const quiet = capture();
    expect(warnIfExposed('127.0.0.1', quiet.logger)).toBe(false);
    expect(warnIfExposed('0.0.0.0', quiet.logger, 'https://aegis.example.com')).toBe(false);
    expect(quiet.text()).toBe('');
    const loud = capture();
    expect(warnIfExposed('0.0.0.0', loud.logger)).toBe(true);
    expect(loud.text()).toMatch(/"level":40.*without TLS/);
  });
});

describe('RateLimiter', () => {
  it('allows a burst, then asks to wait, and refills with time', () => {
    const limiter = new RateLimiter(2, 3);
    const t0 = 1_000_000;
    expect([limiter.take('k', t0), limiter.take('k', t0), limiter.take('k', t0)]).toEqual([
      0, 0, 0,
    ]);
    expect(limiter.take('k', t0)).toBe(1);
    expect(limiter.take('other', t0)).toBe(0);
    expect(limiter.take('k', t0 + 500)).toBe(0);
    expect(limiter.take('k', t0 + 500)).toBeGreaterThan(0);
  });
});

describe('jsonDepth', () => {
  it('measures nesting without recursion, even 100,000 deep', () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth({ a: [1, { b: 2 }] })).toBe(3);
    expect(jsonDepth(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)))).toBe(100_000);
    expect(jsonDepth(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)), 64)).toBe(65);
  });
});
