import { describe, expect, it } from 'vitest';
import { isAbaRoutingValid, isSsnValid } from './checksums';
import { applyMasks, detectString } from './detect';
import { NO_CONTEXT, keyContext, keyWords } from './keys';

/** Detector names and matched text, in order. */
function found(text: string, key?: string): Array<[string, string]> {
  return detectString(text, key === undefined ? NO_CONTEXT : keyContext(key)).map((m) => [
    m.detector,
    text.slice(m.start, m.end),
  ]);
}
const masked = (text: string, key?: string) =>
  detectString(text, key === undefined ? NO_CONTEXT : keyContext(key)).map((m) => applyMasks(text.slice(m.start, m.end), [{ ...m, start: 0, end: m.end - m.start }]));

describe('field names', () => {
  it('splits snake, kebab and camel case into words and matches words, not substrings', () => {
    expect(keyWords('dateOfBirth')).toEqual(['date', 'of', 'birth']);
    expect(keyWords('AWS_SECRET_ACCESS_KEY')).toEqual(['aws', 'secret', 'access', 'key']);
    expect(keyWords('ssnLast4')).toEqual(['ssn', 'last']);
    expect(keyContext('date_of_birth').dob).toBe(true);
    expect(keyContext('DOB').dob).toBe(true);
    expect(keyContext('dobby').dob).toBe(false);
    expect(keyContext('ssn_last4').ssn).toBe(true);
    expect(keyContext('lessons').ssn).toBe(false);
    expect(keyContext('client_secret').secret).toBe(true);
    expect(keyContext('x-api-key').secret).toBe(true);
    expect(keyContext('key').secret).toBe(false);
    expect(keyContext('phones').phone).toBe(true);
  });
});

describe('SSN', () => {
  it('excludes never-issued ranges and advertised numbers in free text', () => {
    expect(isSsnValid('536221120')).toBe(true);
    for (const bad of ['000221120', '666221120', '912221120', '536001120', '536220000', '078051120', '219099999']) {
      expect(isSsnValid(bad)).toBe(false);
    }
    expect(found('ssn on file: 536-22-1120.')).toEqual([['ssn', '536-22-1120']]);
    expect(found('ref 666-22-1120 and 900-12-3456')).toEqual([]);
  });
  it('finds bare nine digits only with an SSN field or label, and last-4 fields', () => {
    expect(found('536221120')).toEqual([]);
    expect(found('536221120', 'ssn')).toEqual([['ssn', '536221120']]);
    expect(found('SSN: 536221120')).toEqual([['ssn', '536221120']]);
    expect(found('ssn 536.22.1120 (dotted)')).toEqual([['ssn', '536.22.1120']]);
    expect(found('ssn 536/22/1120 or 536_22_1120').map(([d]) => d)).toEqual(['ssn', 'ssn']);
    expect(found('version 1.536.22.1120')).toEqual([]);
    expect(masked('4821', 'ssn_last4')).toEqual(['****']);
    expect(found('4821', 'pin')).toEqual([]);
  });
});

describe('payment cards', () => {
  it('needs Luhn and a known issuer range, in any common grouping', () => {
    expect(found('4111111111111111')).toEqual([['card', '4111111111111111']]);
    expect(found('pay with 4111-1111-1111-1111 now')).toEqual([['card', '4111-1111-1111-1111']]);
    expect(found('amex 3782 822463 10005')).toEqual([['card', '3782 822463 10005']]);
    expect(found('4111111111111112')).toEqual([]); // Luhn fails
    expect(found('1234567812345670')).toEqual([]); // Luhn passes, no issuer starts with 1
    expect(masked('4111 1111 1111 1111')).toEqual(['************1111']);
  });
  it('separates a card from a number written after it', () => {
    expect(found('4111 1111 1111 1111 2025')).toEqual([['card', '4111 1111 1111 1111']]);
  });
  it('is not hidden by digits written ahead of it, nor by other separators (attack review 13)', () => {
    // A digit and a space ahead of the card made it "the middle of a longer grouped number".
    expect(found('0 4111 1111 1111 1111')).toEqual([['card', '4111 1111 1111 1111']]);
    expect(found('ref 7 4111-1111-1111-1111 thanks')).toEqual([['card', '4111-1111-1111-1111']]);
    expect(found('1 4111111111111111')).toEqual([['card', '4111111111111111']]);
    expect(found('1 4111 1111 1111 1111 2')).toEqual([['card', '4111 1111 1111 1111']]);
    for (const card of ['4111.1111.1111.1111', '4111/1111/1111/1111', '4111_1111_1111_1111', '4111 - 1111 - 1111 - 1111', '4111  1111  1111  1111', '4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1', '4-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1', '4111\u00a0\u00a01111 \u2013 1111.1111'])
      expect(found(card).map(([d]) => d), card).toEqual(['card']);
    expect(masked('4111.1111.1111.1111')).toEqual(['************1111']);
    // Still not a card: a Luhn failure, digits run into more digits, a mistyped IBAN's digits.
    expect(found('4111.1111.1111.1112')).toEqual([]);
    expect(found('41111111111111110')).toEqual([]);
    expect(found('ES53 5278 7758 4487 6442 8368')).toEqual([]);
    // Digit by digit, the digits are one number: no card looked for inside a list of small numbers.
    expect(found('cc: 4 1 8 4 7 2 8 2 8 5 0 4 8 3 1 7')).toEqual([]);
    expect(found('1 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1')).toEqual([]);
  });
});

describe('cards among ordinary numbers', () => {
  it('reads a card only grouped as cards are written: unbroken, groups of at least four digits but the last, or digit by digit', () => {
    for (const card of ['4222 2222 2222 2', '4111 1111 1111 1111 003', '3782 822463 10005', '3056 930902 5904', '4111 11111111 1111', '4111111111111111'])
      expect(found(`ref 12 ${card}`).map(([d, t]) => [d, t]), card).toEqual([['card', card]]);
    // Rows of small numbers, dates, amounts, versions and IP addresses read as one grouped number
    // held a Luhn-valid stretch from a known issuer range (one row of two-digit numbers in four).
    for (const ordinary of [
      '69 61 41 10 42 20 16 41 56 82 22 50 24 12 70 21 91 68',
      '834 12 213 867 628 665 670 590 515 528 505 29 575 352 919 512 817 836',
      '2016-05-14\n2024-04-24\n2023-12-13\n2020-04-28',
      '28/6/2012 23/2/2028 2/2/2012',
      '1 000 000 4 250 000 2 500 000 7 125 000',
      '8.19.6 / 5.18.18 / 1.13.3 / 5.5.16 / 8.3.30',
      '188.181.57.26\n80.230.188.53\n101.2.87.150\n19.186.135.6\n57.245.102.184',
      '41 11 11 11 11 11 11 11',
    ])
      expect(found(ordinary), ordinary).toEqual([]);
    expect(found('827-662-6139\n251-696-3020\n563-431-7203').map(([d]) => d)).toEqual(['phone', 'phone', 'phone']);
  });
  it('reads digits one by one as a card on one line, not down a column or along a table row', () => {
    expect(found('4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1').map(([d]) => d)).toEqual(['card']);
    expect(found('4\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1')).toEqual([]);
    expect(found('4\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1')).toEqual([]);
    expect(found('4 111 1111 1111 1111')).toEqual([]);
  });
});

describe('IBAN and routing numbers', () => {
  it('validates IBANs by country format and mod-97', () => {
    expect(found('IBAN DE89 3704 0044 0532 0130 00 please')).toEqual([['iban', 'DE89 3704 0044 0532 0130 00']]);
    expect(found('GB82WEST12345698765432')).toEqual([['iban', 'GB82WEST12345698765432']]);
    expect(found('DE89 3704 0044 0532 0130 01')).toEqual([]);
    expect(masked('GB82WEST12345698765432')).toEqual(['GB****************5432']);
    // Lower case is still an IBAN (attack review 13).
    expect(found('iban de89 3704 0044 0532 0130 00')).toEqual([['iban', 'de89 3704 0044 0532 0130 00']]);
    expect(masked('gb82west12345698765432')).toEqual(['GB****************5432']);
    expect(found('de89 3704 0044 0532 0130 01')).toEqual([]);
  });
  it('needs the ABA checksum and a routing field or label', () => {
    expect(isAbaRoutingValid('021000021')).toBe(true);
    expect(isAbaRoutingValid('021000022')).toBe(false);
    expect(found('021000021')).toEqual([]);
    expect(found('021000021', 'routing_number')).toEqual([['routing', '021000021']]);
    expect(found('wire to ABA 021000021')).toEqual([['routing', '021000021']]);
  });
});

describe('e-mail and phone', () => {
  it('finds e-mail addresses without swallowing the sentence around them', () => {
    expect(found('write to maria.garcia@example.com.')).toEqual([['email', 'maria.garcia@example.com']]);
    expect(found('@handle and a@b')).toEqual([]);
    expect(masked('maria.garcia@example.com')).toEqual(['m***@example.com']);
  });
  it('finds E.164 and national forms, not dates or amounts', () => {
    expect(found('call +1 503 555 0123')).toEqual([['phone', '+1 503 555 0123']]);
    expect(found('+442079460958')).toEqual([['phone', '+442079460958']]);
    expect(found('(503) 555-0123')).toEqual([['phone', '(503) 555-0123']]);
    expect(found('503.555.0123')).toEqual([['phone', '503.555.0123']]);
    expect(found('020 7946 0958')).toEqual([['phone', '020 7946 0958']]);
    expect(found('5035550123')).toEqual([]);
    expect(found('5035550123', 'mobile')).toEqual([['phone', '5035550123']]);
    expect(found('paid $1,234.56 on 2026-11-20 at 10:30')).toEqual([]);
    expect(masked('(503) 555-0123')).toEqual(['(***) ***-0123']);
  });
});

describe('dates of birth', () => {
  it('needs a DOB-named field or a DOB label', () => {
    expect(found('1987-06-14')).toEqual([]);
    expect(found('1987-06-14', 'date_of_birth')).toEqual([['dob', '1987-06-14']]);
    expect(found('06/14/1987', 'birthDate')).toEqual([['dob', '06/14/1987']]);
    expect(found('born on June 14, 1987 in Ohio')).toEqual([['dob', 'June 14, 1987']]);
    expect(found('DOB: 14.06.1987')).toEqual([['dob', '14.06.1987']]);
    expect(found('unknown', 'dob')).toEqual([]);
    expect(masked('1987-06-14', 'dob')).toEqual(['****-**-**']);
  });
});

describe('secrets', () => {
  const cases: Array<[string, string]> = [
    ['aws_access_key', 'AKIAIOSFODNN7EXAMPLE'],
    ['github_token', `ghp_${'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'}`],
    ['gitlab_token', 'glpat-xK9mP2vQ7rT4wZ8yB3nC'],
    ['slack_token', 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp'],
    ['google_api_key', 'AIzaSyD3xK9mP2vQ7rT4wZ8yB3nC5fH1jL6sA0e'],
    ['openai_key', 'sk-proj-Xk9mP2vQ7rT4wZ8yB3nC5fH1jL6sA0eG4iK'],
    ['jwt', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
    ['aegis_key', 'aegis_2OBEokRTMNrqFIPl0GD-TQUjLTiVi9nk'],
  ];
  it.each(cases)('finds %s tokens by their prefix and masks them whole', (detector, token) => {
    expect(found(`token is ${token} ok`)).toEqual([[detector, token]]);
    expect(masked(token)).toEqual([`[REDACTED:${detector}]`]);
  });
  it('finds PEM private keys, even cut short', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----';
    expect(found(`key:\n${pem}\nbye`)).toEqual([['private_key', pem]]);
    expect(found('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC')[0]?.[0]).toBe('private_key');
  });
  it('finds high-entropy values under secret-named fields or labels, not words', () => {
    expect(found('Zx8#kQ2!mW9pL4vR', 'password')).toEqual([['generic_secret', 'Zx8#kQ2!mW9pL4vR']]);
    expect(found('access_token', 'token_type')).toEqual([]);
    expect(found('api_key=Q7rT4wZ8yB3nC5fH1jL6 done')).toEqual([['generic_secret', 'Q7rT4wZ8yB3nC5fH1jL6']]);
    expect(found('the tokenization service is down')).toEqual([]);
  });
});

describe('lists and neighbours', () => {
  it('finds every card of a space-separated list, and none inside a longer grouped number', () => {
    expect(found('4111111111111111 5500000000000004').map(([d]) => d)).toEqual(['card', 'card']);
    expect(found('4111 1111 1111 1111 5500 0000 0000 0004').map(([d]) => d)).toEqual(['card', 'card']);
    expect(found('ES53 5278 7758 4487 6442 8368')).toEqual([]);
    // Digit by digit, the digits are one number: no card looked for inside a list of small numbers.
    expect(found('cc: 4 1 8 4 7 2 8 2 8 5 0 4 8 3 1 7')).toEqual([]);
    expect(found('1 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1')).toEqual([]);
  });
});
