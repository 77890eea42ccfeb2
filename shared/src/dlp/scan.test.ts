import { describe, expect, it } from 'vitest';
import { validateCustomDetector } from './custom/customDetector';
import { NO_DLP_FACTS, dlpCountOf, dlpFactsOf, dlpFound, dlpIn, policyDlpFindings } from './facts';
import { compilePolicyOrThrow } from '../policy/compile';
import { evaluatePolicy } from '../policy/evaluate';
import { policySet } from '../policy/policySet';
import { applyMasks, detectString } from './detect';
import { NO_CONTEXT } from './keys';
import { maskValue, redactWithFindings } from './mask';
import { scan, scanValue } from './scan';
import { NOT_SCANNED } from './walk';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('scanValue', () => {
  it('reports detector, JSON pointer, count and confidence — never the value', () => {
    const args = {
      to: 'maria.garcia@example.com',
      body: 'Cards 4111 1111 1111 1111 and 5500-0000-0000-0004 are on file.',
      nested: [{ 'a/b': { '~k': '536-22-1120' } }],
    };
    const findings = scanValue(args);
    expect(findings).toEqual([
      { detector: 'email', path: '/to', count: 1, confidence: 0.95 },
      { detector: 'card', path: '/body', count: 2, confidence: 0.95 },
      { detector: 'ssn', path: '/nested/0/a~1b/~0k', count: 1, confidence: 0.9 },
    ]);
    expect(JSON.stringify(findings)).not.toMatch(/4111|maria|1120/);
  });

  it('reads digits of other scripts and full-width forms as ASCII, and masks them in place', () => {
    const args = {
      note: 'SSN ５３６-２２-８１５１, card ４１１１ １１１１ １１１１ １１１１',
      to: 'ｍａｒｉａ＠ｅｘａｍｐｌｅ．ｃｏｍ',
      ref: 'ssn ٥٣٦-٢٢-٨١٥١',
      name: 'José Núñez',
    };
    expect(scanValue(args)).toEqual([
      { detector: 'ssn', path: '/note', count: 1, confidence: 0.9 },
      { detector: 'card', path: '/note', count: 1, confidence: 0.95 },
      { detector: 'email', path: '/to', count: 1, confidence: 0.95 },
      { detector: 'ssn', path: '/ref', count: 1, confidence: 0.9 },
    ]);
    const masked = maskValue(args) as Record<string, string>;
    expect(masked.note).toBe('SSN ***-**-8151, card ************1111');
    expect(masked.to).toBe('m***@example.com');
    expect(masked.name).toBe('José Núñez');
    expect(JSON.stringify(masked)).not.toMatch(/５３６|٥٣٦|ｍａｒｉａ/);
  });

  it('reads through invisible characters, Unicode spaces and dashes, and masks the whole original span', () => {
    const args = {
      zw: 'card 4111\u200b1111\u200b1111\u200b1111 ok',
      mixed: 'SSN\u00a0536\u00ad\u2013\u200d22\u2212\u20608151.',
      tag: 'key AKIA\u{e0041}IOSFODNN7EXAMPLE\u200b, mail jo\u200be@exa\u00admple.com',
      // A zero-width space in a field name hides nothing either: a bare SSN under `ssn`.
      'ss\u200bn': '536228151',
      name: 'Zoë\u00a0Brontë\u2013Smith \u{1f469}\u200d\u{1f4bb}',
    };
    expect(scanValue(args).map((f) => `${f.detector} ${f.path}`)).toEqual(['card /zw', 'ssn /mixed', 'aws_access_key /tag', 'email /tag', 'ssn /ss\u200bn']);
    const masked = maskValue(args) as Record<string, string>;
    // The invisible characters inside a match go with it; those outside it stay.
    expect(masked.zw).toBe('card ************1111 ok');
    expect(masked.mixed).toBe('SSN\u00a0***-**-8151.');
    expect(masked.tag).toBe('key [REDACTED:aws_access_key]\u200b, mail j***@example.com');
    expect(masked['ss\u200bn']).toBe('*****8151');
    expect(masked.name).toBe(args.name);
  });

  it('maps matches back to the original text, where invisible characters shift them', () => {
    const text = '\u200b\u200bcard 4111\u200b1111\u200b1111\u200b1111\u00ad and 536-22-8151';
    const matches = detectString(text, NO_CONTEXT);
    expect(matches.map((m) => [m.detector, text.slice(m.start, m.end)])).toEqual([
      ['card', '4111\u200b1111\u200b1111\u200b1111'],
      ['ssn', '536-22-8151'],
    ]);
    expect(applyMasks(text, matches)).toBe('\u200b\u200bcard ************1111\u00ad and ***-**-8151');
  });

  it('reads a card number split by tabs or line breaks, and masks it', () => {
    const args = {
      lines: 'card:\n4111\n1111\n1111\n1111\nthanks',
      crlf: '4111\r\n1111\r\n1111\r\n1111',
      cells: 'name\tcard\nAda\t4111\t1111\t1111\t1111',
      rows: 'ids\n1042\n1043\n1044\n1045',
    };
    expect(scanValue(args).map((f) => `${f.detector} ${f.path}`)).toEqual(['card /lines', 'card /crlf', 'card /cells']);
    const masked = maskValue(args) as typeof args;
    expect(masked.lines).toBe('card:\n************1111\nthanks');
    expect(masked.cells).toBe('name\tcard\nAda\t************1111');
    expect(masked.rows).toBe(args.rows);
  });

  it('reads through mathematical, superscript and circled digits, combining marks, keycaps and line separators, and masks the whole original span', () => {
    const math = '\u{1d7d2}\u{1d7cf}\u{1d7cf}\u{1d7cf}'; // 𝟒𝟏𝟏𝟏: four surrogate pairs
    const args = {
      math: `card ${math} ${math.replace('\u{1d7d2}', '\u{1d7cf}').repeat(2)} \u{1d7cf}\u{1d7cf}\u{1d7cf}\u{1d7cf} ok`,
      marks: 'SSN 5\u03013\u03326-2\u20dd2-8\ufe0f151\u{e0100}.',
      keycaps: 'pay 4\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e3\u20281111\u20291111\u00851111',
      digits: '\u2074\u00b9\u00b9\u00b9 \u2460\u2460\u2460\u2460 \u2780\u2780\u2780\u2780 \u0661\u0661\u0661\u0661',
      key: 'use \u{1d400}\u{1d40a}\u{1d408}\u{1d400}IOSFODNN7EXAMPLE',
      plain: 'ऋण ₹१२,५०० · ٢٠٢٦/١١/٢٠ \u2764\ufe0f 1\ufe0f\u20e3',
    };
    expect(scanValue(args).map((f) => `${f.detector} ${f.path}`)).toEqual([
      'card /math',
      'ssn /marks',
      'card /keycaps',
      'card /digits',
      'aws_access_key /key',
    ]);
    const masked = maskValue(args) as Record<string, string>;
    expect(masked.math).toBe('card ************1111 ok');
    expect(masked.marks).toBe('SSN ***-**-8151\u{e0100}.');
    expect(masked.keycaps).toBe('pay ************1111');
    expect(masked.digits).toBe('************1111');
    expect(masked.key).toBe('use [REDACTED:aws_access_key]');
    expect(masked.plain).toBe(args.plain);
    // Whole surrogate pairs were replaced: the masked text is well-formed.
    for (const text of Object.values(masked)) expect(text).not.toMatch(LONE_SURROGATE);
  });

  it('maps matches over surrogate pairs back to whole pairs', () => {
    const text = '\u{1f4b3} \u{1d7d2}\u{1d7cf}\u{1d7cf}\u{1d7cf} \u{1d7cf}\u{1d7cf}\u{1d7cf}\u{1d7cf} 1111 111\u{1d7cf}\u{1f4b3}';
    const matches = detectString(text, NO_CONTEXT);
    expect(matches.map((m) => [m.detector, text.slice(m.start, m.end)])).toEqual([['card', text.slice(3, -2)]]);
    expect(applyMasks(text, matches)).toBe('\u{1f4b3} ************1111\u{1f4b3}');
  });

  it('uses the field name: DOB and SSN fields, numbers, dates', () => {
    const findings = scanValue({
      customer: { dob: new Date(Date.UTC(1987, 5, 14)), ssn_last4: 4821, card_number: 4111111111111111 },
    });
    expect(findings.map((f) => [f.detector, f.path])).toEqual([
      ['dob', '/customer/dob'],
      ['ssn', '/customer/ssn_last4'],
      ['card', '/customer/card_number'],
    ]);
  });

  it('treats __proto__ and constructor keys as data and masks sensitive keys in paths', () => {
    const value = JSON.parse('{"__proto__": {"email": "a.b@example.com"}, "4111111111111111": "x", "constructor": {"phone": "+1 503 555 0123"}}') as unknown;
    const findings = scanValue(value);
    expect(findings.map((f) => f.path).sort()).toEqual(['/************1111', '/__proto__/email', '/constructor/phone']);
  });

  it('stops at the size and depth limits and says so', () => {
    let deep: unknown = { ssn: '536-22-1120' };
    for (let i = 0; i < 70; i++) deep = { next: deep };
    expect(scan(deep)).toEqual({ findings: [], truncated: true });
    const long = { a: 'x'.repeat(100), b: '536-22-1120' };
    expect(scan(long, { maxChars: 50 }).truncated).toBe(true);
    expect(scan(long).findings).toHaveLength(1);
  });

  it('runs custom detectors declared in policy', () => {
    const custom = validateCustomDetector({ name: 'employee_id', pattern: 'EMP-\\d{6}' });
    if (!custom.ok) throw new Error(custom.error);
    expect(scanValue({ note: 'EMP-123456 and EMP-654321' }, { custom: [custom.detector] })).toEqual([
      { detector: 'employee_id', path: '/note', count: 2, confidence: 0.9 },
    ]);
  });
});

describe('masking', () => {
  const record = {
    name: 'Maria Garcia',
    ssn: '536-22-1120',
    credit_card_number: '4111 1111 1111 1111',
    phone: '(503) 555-0123',
    email: 'maria.garcia@example.com',
    dob: '1987-06-14',
    api_key: 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5',
  };
  const expected = {
    name: 'Maria Garcia',
    ssn: '***-**-1120',
    credit_card_number: '************1111',
    phone: '(***) ***-0123',
    email: 'm***@example.com',
    dob: '****-**-**',
    api_key: '[REDACTED:github_token]',
  };

  it('maskValue masks every match and leaves the input alone', () => {
    const before = structuredClone(record);
    expect(maskValue(record)).toEqual(expected);
    expect(record).toEqual(before);
  });

  it('redactWithFindings masks what the findings point at, and whole values it cannot re-find', () => {
    const findings = scanValue(record);
    expect(redactWithFindings(record, findings)).toEqual(expected);
    expect(redactWithFindings({ note: 'EMP-123456' }, [{ detector: 'employee_id', path: '/note', count: 1, confidence: 0.9 }])).toEqual({
      note: '[REDACTED:employee_id]',
    });
    // Only the findings given are masked.
    expect(redactWithFindings(record, findings.filter((f) => f.detector === 'card'))).toEqual({
      ...record,
      credit_card_number: '************1111',
    });
  });

  it('replaces what lies beyond the depth limit instead of passing it on unchecked', () => {
    expect(maskValue({ a: { b: { ssn: '536-22-1120' } } }, { maxDepth: 2 })).toEqual({ a: { b: NOT_SCANNED } });
  });
});

describe('DlpFacts', () => {
  it('answers found, in and count for the policy engine, by detector and category', () => {
    const facts = dlpFactsOf({
      args: scanValue({ body: 'card 4111111111111111, ssn 536-22-1120' }),
      result: scanValue({ rows: ['4111111111111111', '5500000000000004'] }),
    });
    expect(facts.count).toBe(4);
    expect(facts.found).toEqual(['card', 'financial', 'pii', 'ssn']);
    expect(dlpFound(facts, 'card')).toBe(true);
    expect(dlpFound(facts, 'email')).toBe(false);
    expect(dlpIn(facts, 'args', 'ssn')).toBe(true);
    expect(dlpIn(facts, 'result', 'ssn')).toBe(false);
    expect(dlpCountOf(facts, 'result', 'card')).toBe(2);
    expect(dlpCountOf(facts, 'args', 'constructor')).toBe(0);
    expect(NO_DLP_FACTS).toEqual({
      count: 0,
      found: [],
      args: { count: 0, detectors: {} },
      result: { count: 0, detectors: {} },
      truncated: false,
    });
  });
});

describe('feeding the policy engine', () => {
  const agent = { name: 'customer_support', owner: 'cx@bank.example', labels: {} };
  const set = policySet({
    agent: compilePolicyOrThrow(
      {
        kind: 'AgentPolicy',
        agent: 'customer_support',
        rules: [
          { id: 'card-out', actions: ['send_notification'], when: "dlp.found('card')", effect: 'BLOCK' },
          { id: 'ssn-in-args', actions: ['*'], when: "dlp.foundIn('args', 'ssn') || dlp.count > 3", effect: 'REVIEW' },
        ],
        default: 'ALLOW',
      },
      { version: 1 },
    ),
  });
  const decide = (action: string, args: Record<string, unknown>) =>
    evaluatePolicy(set, { agent, action, args }, { facts: { dlp: policyDlpFindings({ args: scanValue(args) }) } });

  it('blocks a card number sent out, reviews an SSN, allows clean text', () => {
    expect(decide('send_notification', { customer_id: 3, message: 'Your card 4111 1111 1111 1111 is active' })).toMatchObject({
      verdict: 'BLOCKED',
      rule: { id: 'card-out' },
    });
    expect(decide('lookup_balance', { note: 'ssn 536-22-1120' })).toMatchObject({ verdict: 'REVIEW', rule: { id: 'ssn-in-args' } });
    expect(decide('send_notification', { customer_id: 3, message: 'Your balance is $2,345.12' })).toMatchObject({ verdict: 'ALLOWED' });
  });
});
