import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NO_CONTEXT, keyContext, type KeyContext } from '../keys';
import { matchInRuns, numericRuns, type NumericRun } from '../runs';
import type { DlpMatch, MatchSink } from '../types';
import { cardScanSteps, findCards, isCardNumber } from './card';
import { ibanShapedSpans } from './iban';

/**
 * The card scan as attack review 13 left it (a regex per group start, each reading up to 19
 * digits again), with the groupings a card is written in: the one pass that replaced it must
 * find exactly what this finds.
 */
function referenceCards(text: string, runs: readonly NumericRun[], context: KeyContext, out: MatchSink): void {
  const CARD_CANDIDATE = /(?<!\d)[2-689](?:[ \t\r\n._/-]{0,3}\d){12,18}(?!\d)/g;
  const SEPARATOR = /[ \t\r\n._/-]/g;
  const SINGLE_DIGIT_GROUP = /^\d[ \t\r\n._/-]/;
  const AFTER_SINGLE_DIGIT = /(?:^|\D)\d[ \t\r\n._/-]{1,3}$/;
  const DIGIT_AFTER = /^[ \t\r\n._/-]{0,3}\d/;
  const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
  const longestCardPrefix = (candidate: string): string | null => {
    let digits = '';
    const ends: number[] = [];
    for (let i = 0; i < candidate.length; i++) {
      if (!isDigit(candidate.charCodeAt(i))) continue;
      digits += candidate[i];
      if (!isDigit(candidate.charCodeAt(i + 1))) ends.push(i + 1);
    }
    let count = digits.length;
    for (let g = ends.length - 1; g >= 0 && count >= 13; g--) {
      if (writtenAsCard(candidate.slice(0, ends[g])) && isCardNumber(digits.slice(0, count))) return candidate.slice(0, ends[g]);
      for (let i = ends[g]! - 1; i >= 0 && isDigit(candidate.charCodeAt(i)); i--) count--;
    }
    return null;
  };
  const ibans = /[A-Z]{2}\d{2}/.test(text) ? ibanShapedSpans(text) : [];
  matchInRuns(CARD_CANDIDATE, text, runs, 13, (m) => {
    if (ibans.some(([start, end]) => m.index > start && m.index < end)) return m.index + 1;
    const oneByOne = SINGLE_DIGIT_GROUP.test(m[0]);
    if (oneByOne && AFTER_SINGLE_DIGIT.test(text.slice(Math.max(0, m.index - 5), m.index))) return m.index + 1;
    const end = m.index + m[0].length;
    const card = oneByOne
      ? isCardNumber(m[0].replace(SEPARATOR, '')) && !DIGIT_AFTER.test(text.slice(end, end + 4)) && /^\d(?:[^\d\t\r\n]+\d)*$/.test(m[0])
        ? m[0]
        : null
      : longestCardPrefix(m[0]);
    if (card === null) return m.index + 1;
    out.push({ detector: 'card', start: m.index, end: m.index + card.length, confidence: context.card ? 0.99 : 0.95 });
    return m.index + card.length;
  });
}

/** Unbroken, or in groups of at least four digits but the last. */
function writtenAsCard(number: string): boolean {
  return number.split(/\D+/).slice(0, -1).every((group) => group.length >= 4);
}

const cards = (find: typeof findCards, text: string, context: KeyContext = NO_CONTEXT) => {
  const out: DlpMatch[] = [];
  find(text, numericRuns(text), context, out);
  return out;
};

// A seeded generator, so a failure names a text that can be run again.
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
}

const SIZE = 64 * 1024;
const fill = (unit: string, size = SIZE) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

/** Texts built to make a card scan work hard: digits and separators, every group a possible start. */
function hostileTexts(size: number): Record<string, string> {
  const rnd = random(7);
  const seps = [' ', '-', '.', '/', '_', '  ', ' - '];
  let mixed = '';
  while (mixed.length < size) mixed += String(Math.floor(rnd() * 10 ** (1 + Math.floor(rnd() * 4)))) + seps[Math.floor(rnd() * seps.length)];
  return {
    'digit by digit': fill('1 2 3 4 5 6 7 8 9 0 ', size),
    'one digit, then four': fill('4 1111 ', size),
    'groups of four': fill('1234 5678 ', size),
    dotted: fill('1.2.3.4.', size),
    'groups of two': fill('01 23 45 67 89 ', size),
    'mixed groups and separators': mixed.slice(0, size),
    'dashed cards': fill('4111-1111-1111-1111-', size),
    'spaced cards': fill('4111 1111 1111 1111 ', size),
    'formatted SSNs': fill('536-22-1120 ', size),
    'one digit run': fill('4', size),
    'IBAN-like groups': fill('DE89 3704 0044 ', size),
  };
}

describe('card scan', () => {
  it('finds exactly what the regex scan found, on random digits and separators', () => {
    const rnd = random(13);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const CARDS = ['4111111111111111', '5500000000000004', '378282246310005', '4222222222222', '6011000990139424', '30569309025904', '3530111333300000', '6200000000000005', '4000056655665556'];
    const PIECES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ' ', ' ', '-', '.', '/', '_', '\t', '\n', '(', ')', '+', 'a', ',', '  ', ' - ', '1111', '4111', 'DE89 ', 'ES00 ', '12345678901234567890', '4111111111111111111111'];
    const written = (num: string) => {
      const sep = pick([' ', '-', '.', '', '  ', ' - ', '/']);
      const size = pick([1, 2, 3, 4, 4, 4, 5, 6]);
      const groups: string[] = [];
      for (let i = 0; i < num.length; i += size) groups.push(num.slice(i, i + size));
      return groups.join(sep);
    };
    let texts = 0;
    let withCards = 0;
    for (let i = 0; i < 30_000; i++) {
      let text = '';
      const length = Math.floor(rnd() * 90);
      while (text.length < length) text += rnd() < 0.06 ? written(pick(CARDS)) : pick(PIECES);
      const context = rnd() < 0.2 ? keyContext('card_number') : NO_CONTEXT;
      const expected = cards(referenceCards, text, context);
      expect(cards(findCards, text, context), JSON.stringify(text)).toEqual(expected);
      texts++;
      if (expected.length > 0) withCards++;
    }
    // The random texts did hold cards, in all sorts of company.
    expect(withCards).toBeGreaterThan(texts / 10);
  });

  it('finds exactly what the regex scan found, on the corpus', () => {
    const corpus = JSON.parse(readFileSync(new URL('../corpus/corpus.json', import.meta.url), 'utf8')) as Array<{ text: string }>;
    for (const { text } of corpus) expect(cards(findCards, text), JSON.stringify(text)).toEqual(cards(referenceCards, text));
  });

  it('finds exactly what the regex scan found, on texts built to make it work hard', () => {
    for (const [name, text] of Object.entries(hostileTexts(4 * 1024))) {
      expect(cards(findCards, text), name).toEqual(cards(referenceCards, text));
    }
    // A group too long for any card, after, before or between cards written every way.
    const long = '12345678901234567890';
    const each = '4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1';
    for (const text of [`${each} ${long}`, `${long} ${each}`, `${each}-${long}-${each}`, `4111 1111 1111 1111 ${long}`, `${long} 4111 1111 1111 1111`, `7 ${long}5 ${each}`]) {
      expect(cards(findCards, text), text).toEqual(cards(referenceCards, text));
    }
  });

  it('finds the same after a text larger than the buffers it keeps', () => {
    const big = `${fill('1 2 3 ', 300 * 1024)} 4111 1111 1111 1111`;
    expect(cards(findCards, big).map((m) => big.slice(m.start, m.end))).toEqual(['4111 1111 1111 1111']);
    expect(cards(findCards, 'pay 5500-0000-0000-0004 now').map((m) => [m.start, m.end])).toEqual([[4, 23]]);
  });

  it('reads a hostile text in one pass: a bounded number of steps per character, 64 KiB as 4 × 16 KiB', () => {
    const steps = (text: string) => {
      cardScanSteps.count = 0;
      cards(findCards, text);
      return cardScanSteps.count;
    };
    const small = hostileTexts(16 * 1024);
    const large = hostileTexts(64 * 1024);
    for (const name of Object.keys(large)) {
      const [s, l] = [steps(small[name]!), steps(large[name]!)];
      expect(l, name).toBeLessThanOrEqual(3 * large[name]!.length);
      expect(l, name).toBeLessThanOrEqual(4.2 * s);
    }
  });
});
