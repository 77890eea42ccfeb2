import { describe, expect, it } from 'vitest';
import { matchesSearch, queryTerms, searchTerms } from './searchTerms';

describe('search terms', () => {
  it('keeps compounds, their parts and runs of parts, in lower case', () => {
    const terms = searchTerms(['{"customer_id":3,"email":"Alice@Bank.example"}']);
    expect(terms).toEqual(
      expect.arrayContaining([
        'customer_id',
        'customer',
        'id',
        '3',
        'alice@bank.example',
        'alice',
        'bank',
        'example',
        'bank.example',
        'alice@bank',
      ]),
    );
    expect(terms).not.toContain('"customer_id"');
  });

  it('finds whole words in any case, every word of the query', () => {
    const entry = {
      agent: 'support',
      action: 'access_ssn',
      argsPreview: '{"customer_id":3,"ssn":"***-**-6789"}',
      details: 'Held for review',
    };
    expect(matchesSearch(entry, 'CUSTOMER_ID')).toBe(true);
    expect(matchesSearch(entry, '6789 review')).toBe(true);
    expect(matchesSearch(entry, 'ssn customer')).toBe(true);
    expect(matchesSearch(entry, 'custom')).toBe(false);
    expect(matchesSearch(entry, '6789 transfer')).toBe(false);
  });

  it('keeps the short fields searchable when large arguments fill the cap', () => {
    const words = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ');
    const entry = {
      agent: 'support',
      action: 'export_rows',
      argsPreview: JSON.stringify({ text: words }),
      details: 'Held for review',
      outcome: 'timeout',
      actor: 'dana@bank.example',
      rule: { id: 'bulk-export-review' },
    };
    expect(matchesSearch(entry, 'bulk-export-review')).toBe(true);
    expect(matchesSearch(entry, 'dana@bank.example')).toBe(true);
    expect(matchesSearch(entry, 'timeout')).toBe(true);
    expect(matchesSearch(entry, 'w3')).toBe(true);
    expect(matchesSearch(entry, 'w399')).toBe(false);
  });

  it('orders query words longest first and caps them', () => {
    expect(queryTerms('a bb ccc a')).toEqual(['ccc', 'bb', 'a']);
    expect(queryTerms('1 2 3 4 5 6 7 8 9 10')).toHaveLength(8);
    expect(queryTerms('*** ---')).toEqual([]);
  });
});
