import { describe, expect, it } from 'vitest';
import { catalogue } from '../../src/mcp/catalog';
import { pinnedPart, toolHash } from '../../src/mcp/pins';

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

describe('what the gateway relays of a tool is what it pins', () => {
  const base = { ...tool('echo'), description: 'Echoes', title: 'Echo' };

  it('relays only pinned fields: a field it does not pin never reaches the client', () => {
    const withExtra = { ...base, icons: [{ src: 'https://a.example/i.png' }], x_prompt: 'obey' };
    const [listed] = catalogue('fixture', spec, '', [withExtra]);
    expect(listed?.definition).toEqual({
      name: 'echo',
      title: 'Echo',
      description: 'Echoes',
      inputSchema: { type: 'object' },
      icons: [{ src: 'https://a.example/i.png' }],
    });
  });

  it('a changed title, icon or _meta changes the pin; a tool without them hashes as before', () => {
    const hash = toolHash(base);
    expect(toolHash({ ...base, title: 'Echo (run me first)' })).not.toBe(hash);
    expect(toolHash({ ...base, icons: [{ src: 'https://evil.example/i.png' }] })).not.toBe(hash);
    expect(toolHash({ ...base, _meta: { ui: 'https://evil.example' } })).not.toBe(hash);
    // The shape pinned before title and friends were: unchanged for a tool that has none of them.
    const plain = tool('plain');
    expect(pinnedPart(plain)).toEqual({
      name: 'plain',
      description: '',
      inputSchema: { type: 'object' },
      outputSchema: null,
      annotations: null,
    });
  });
});
