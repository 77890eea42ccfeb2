import { describe, expect, it } from 'vitest';
import { isLuhnValid, redactSensitive } from './redact';

describe('redactSensitive', () => {
  it('masks SSNs wherever they appear, keeping the last four digits', () => {
    expect(redactSensitive({ ssn: '123-45-6789' })).toEqual({ ssn: '***-**-6789' });
    expect(redactSensitive('customer 536-22-1120 called')).toBe('customer ***-**-1120 called');
    // The advertised sample number is no one's SSN in free text, but an SSN field stays masked.
    expect(redactSensitive('customer 078-05-1120 called')).toBe('customer 078-05-1120 called');
    expect(redactSensitive({ ssn: '078-05-1120' })).toEqual({ ssn: '***-**-1120' });
  });

  it("masks the demo's identity checks: date_of_birth and ssn_last4", () => {
    expect(redactSensitive({ customer_id: 4, date_of_birth: '1987-06-14', ssn_last4: '4821' })).toEqual({
      customer_id: 4,
      date_of_birth: '****-**-**',
      ssn_last4: '****',
    });
  });

  it('keeps __proto__ and constructor keys as data, and masks what they hold', () => {
    const input = JSON.parse('{"__proto__": {"ssn": "536-22-1120"}, "constructor": "4111111111111111"}') as object;
    const out = redactSensitive(input) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['__proto__', 'constructor']);
    // An ordinary object (the caller's code stringifies it, calls hasOwnProperty on it), with
    // `__proto__` as its own data.
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(typeof out.toString).toBe('function');
    expect(JSON.stringify(out)).toBe('{"__proto__":{"ssn":"***-**-1120"},"constructor":"************1111"}');
  });

  it('masks Luhn-valid card numbers, grouped or not, as strings or numbers', () => {
    expect(redactSensitive('4111111111111111')).toBe('************1111');
    expect(redactSensitive('4111 1111 1111 1111')).toBe('************1111');
    expect(redactSensitive('5500-0000-0000-0004')).toBe('************0004');
    expect(redactSensitive(4111111111111111)).toBe('************1111');
  });

  it('leaves numbers that fail the Luhn check, and short ones, alone', () => {
    expect(redactSensitive('4111111111111112')).toBe('4111111111111112');
    expect(redactSensitive({ account: 1004, amount: 25.5 })).toEqual({
      account: 1004,
      amount: 25.5,
    });
    expect(redactSensitive('order 12-34')).toBe('order 12-34');
  });

  it('walks nested objects and arrays without touching keys or other values', () => {
    const input = { a: [{ card: '4111111111111111' }, null, true], b: { c: 'x' } };
    expect(redactSensitive(input)).toEqual({
      a: [{ card: '************1111' }, null, true],
      b: { c: 'x' },
    });
    expect(input.a[0]).toEqual({ card: '4111111111111111' });
  });
});

describe('isLuhnValid', () => {
  it('accepts test card numbers and rejects off-by-one', () => {
    expect(isLuhnValid('378282246310005')).toBe(true);
    expect(isLuhnValid('378282246310006')).toBe(false);
    expect(isLuhnValid('123')).toBe(false);
  });
});
