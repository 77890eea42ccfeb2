import { describe, expect, it } from 'vitest';
import { catalogue } from '../../src/mcp/catalog';

const tool = (name: string) => ({ name, inputSchema: { type: 'object' as const } });
const spec = { tools: {}, ignoreAnnotations: false };

describe('catalogue', () => {
  it("marks tools whose derived action is another tool's: a look-alike name, or one longer than 128", () => {
    const long = 'x'.repeat(140);
    const listed = catalogue('bank', spec, '', [
      tool('read_balance'),
      tool('read balance'),
      tool(`${long}a`),
      tool(`${long}b`),
      tool('transfer'),
    ]);
    const shared = Object.fromEntries(listed.map((t) => [t.name, t.sharesActionWith]));
    expect(shared['read_balance']).toEqual(['read balance']);
    expect(shared['read balance']).toEqual(['read_balance']);
    expect(shared[`${long}a`]).toEqual([`${long}b`]);
    expect(shared['transfer']).toBeUndefined();
  });

  it('a tool the config maps to its own action is not ambiguous', () => {
    const listed = catalogue(
      'bank',
      {
        tools: { 'read balance': { action: 'bank.read_balance_v2', tags: [] } },
        ignoreAnnotations: false,
      },
      '',
      [tool('read_balance'), tool('read balance')],
    );
    expect(listed.map((t) => [t.action, t.sharesActionWith])).toEqual([
      ['bank.read_balance', undefined],
      ['bank.read_balance_v2', undefined],
    ]);
  });
});
