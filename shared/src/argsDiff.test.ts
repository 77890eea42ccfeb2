import { describe, expect, it } from 'vitest';
import { argsDiff, argsPointer, pointerSegments, valueAtPointer } from './argsDiff';

describe('argsDiff', () => {
  it('finds nothing between equal arguments, whatever their key order', () => {
    expect(argsDiff({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
    expect(argsDiff({}, {})).toEqual([]);
  });

  it('names each changed, added and removed field with its value before and after', () => {
    expect(
      argsDiff(
        { amount: 50_000, to: 'ACME', memo: 'Q3' },
        { amount: 500, to: 'ACME', note: 'capped' },
      ),
    ).toEqual([
      { path: ['amount'], change: 'changed', before: 50_000, after: 500 },
      { path: ['memo'], change: 'removed', before: 'Q3' },
      { path: ['note'], change: 'added', after: 'capped' },
    ]);
  });

  it('descends into nested objects and arrays, in document order', () => {
    const before = { payee: { name: 'ACME', iban: 'DE1' }, to: ['a', 'b', 'c'], z: 1 };
    const after = { payee: { name: 'ACME Ltd', iban: 'DE1', bic: 'X' }, to: ['a', 'B'], z: 1 };
    expect(argsDiff(before, after)).toEqual([
      { path: ['payee', 'name'], change: 'changed', before: 'ACME', after: 'ACME Ltd' },
      { path: ['payee', 'bic'], change: 'added', after: 'X' },
      { path: ['to', 1], change: 'changed', before: 'b', after: 'B' },
      { path: ['to', 2], change: 'removed', before: 'c' },
    ]);
  });

  it('a value that changes kind is one change at its path, not a change per field', () => {
    expect(argsDiff({ to: { id: 1 } }, { to: 'ACC-1' })).toEqual([
      { path: ['to'], change: 'changed', before: { id: 1 }, after: 'ACC-1' },
    ]);
    expect(argsDiff({ x: {} }, { x: [] })).toEqual([
      { path: ['x'], change: 'changed', before: {}, after: [] },
    ]);
    expect(argsDiff({ x: null }, { x: {} })).toEqual([
      { path: ['x'], change: 'changed', before: null, after: {} },
    ]);
    // JSON types are distinct: the string "1" is not the number 1, false is not 0.
    expect(argsDiff({ a: 1, b: false }, { a: '1', b: 0 })).toHaveLength(2);
  });

  it('a whole nested object added or removed is one change', () => {
    expect(argsDiff({ a: 1 }, { a: 1, extra: { deep: { er: true } } })).toEqual([
      { path: ['extra'], change: 'added', after: { deep: { er: true } } },
    ]);
  });

  it('sees an own "__proto__" key as a field like any other', () => {
    const edited = JSON.parse('{"__proto__": {"admin": true}, "a": 1}') as Record<string, unknown>;
    expect(argsDiff({ a: 1 }, edited)).toEqual([
      { path: ['__proto__'], change: 'added', after: { admin: true } },
    ]);
  });

  it('walks arguments nested far deeper than any call may be without overflowing', () => {
    const deep = (leaf: unknown) => {
      let v: unknown = leaf;
      for (let i = 0; i < 20_000; i++) v = { n: v };
      return v as Record<string, unknown>;
    };
    const changes = argsDiff(deep(1), deep(2));
    expect(changes).toHaveLength(1);
    expect(changes[0]!.path).toHaveLength(20_000);
  });
});

describe('JSON pointers', () => {
  it('escapes "~" and "/" in keys, and maps keys as asked', () => {
    expect(argsPointer(['a/b', 'c~d', 0])).toBe('/a~1b/c~0d/0');
    expect(argsPointer(['card 4111', 1], (k) => k.replace(/\d/g, '*'))).toBe('/card ****/1');
    expect(argsPointer([])).toBe('');
  });

  it('reads back the value a pointer names, or nothing', () => {
    const root = { 'a/b': { list: [10, { 'c~d': 'x' }] } };
    expect(pointerSegments('/a~1b/list/1/c~0d')).toEqual(['a/b', 'list', '1', 'c~d']);
    expect(valueAtPointer(root, '/a~1b/list/1/c~0d')).toBe('x');
    expect(valueAtPointer(root, '/a~1b/list/0')).toBe(10);
    expect(valueAtPointer(root, '/a~1b/list/01')).toBeUndefined();
    expect(valueAtPointer(root, '/missing')).toBeUndefined();
    expect(valueAtPointer(root, '/toString')).toBeUndefined();
    expect(valueAtPointer(root, '')).toBe(root);
  });
});
