import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maskedText } from './mask';

interface Case {
  text: string;
  key?: string;
  kind: 'positive' | 'negative' | 'ordinary';
}
const corpus = JSON.parse(
  readFileSync(new URL('./corpus/corpus.json', import.meta.url), 'utf8'),
) as Case[];

// From an attack review: text an agent or a person writes (a report's details, a comment, a
// description) reached viewers and the hash-chained log raw. This is what masks it.
describe('maskedText: free text as it may be stored and shown', () => {
  it('masks card numbers and SSNs in prose, keeping their last four digits', () => {
    expect(maskedText('card 4111 1111 1111 1111 ssn 536-22-8154')).toBe(
      'card ************1111 ssn ***-**-8154',
    );
  });

  it('masks text that is nothing but a card number', () => {
    expect(maskedText('4111111111111111')).toBe('************1111');
  });

  it('masks a number split by format characters or written in fullwidth digits', () => {
    for (const text of [
      '4111\u200b1111\u200b1111\u200b1111',
      '４１１１ １１１１ １１１１ １１１１',
      '4111\u00ad1111\u00ad1111\u00ad1111',
    ])
      expect(maskedText(`card ${text}`), JSON.stringify(text)).toMatch(/^card \*+1111$/);
  });

  it('is idempotent: masked text, and text masked twice, stay as they are', () => {
    for (const c of corpus) {
      const once = maskedText(c.text);
      expect(maskedText(once), c.text).toBe(once);
    }
  });

  it('leaves ordinary text alone (the corpus of normal banking text and the non-matches)', () => {
    const changed = corpus
      .filter((c) => c.kind !== 'positive' && c.key === undefined)
      .filter((c) => maskedText(c.text) !== c.text)
      .map((c) => c.text);
    expect(changed).toEqual([]);
    expect(maskedText('')).toBe('');
    expect(maskedText('Approved by rita (approval #19) — not during the freeze')).toBe(
      'Approved by rita (approval #19) — not during the freeze',
    );
  });
});
