import { describe, expect, it } from 'vitest';
import { describeUpdate } from '../src/changeStreams/updateDescription.js';
import { checkConflicts } from '../src/update/pathWalk.js';

/** The pairwise check the linear one replaced: the reference for its answers and messages. */
function pairwiseConflict(paths: string[]): string | null {
  const split = paths.map((p) => p.split('.'));
  for (let j = 1; j < split.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = split[i]!;
      const b = split[j]!;
      const n = Math.min(a.length, b.length);
      if (a.slice(0, n).every((part, k) => part === b[k]))
        return `Updating the path '${paths[j]}' would create a conflict at '${a.slice(0, n).join('.')}'`;
    }
  }
  return null;
}

function conflictOf(paths: string[]): string | null {
  try {
    checkConflicts(paths);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('update path conflicts', () => {
  it('refuses a path that equals, contains or extends an earlier one, comparing components', () => {
    expect(conflictOf(['a', 'a'])).toBe("Updating the path 'a' would create a conflict at 'a'");
    expect(conflictOf(['a.b', 'a'])).toBe("Updating the path 'a' would create a conflict at 'a'");
    expect(conflictOf(['a', 'x', 'a.b.c'])).toBe(
      "Updating the path 'a.b.c' would create a conflict at 'a'",
    );
    expect(conflictOf(['a.$.x', 'a.$'])).toBe(
      "Updating the path 'a.$' would create a conflict at 'a.$'",
    );
    // The first earlier path in order names the conflict, as the pairwise check did.
    expect(conflictOf(['a.b.c', 'a', 'a.b'])).toBe(
      "Updating the path 'a' would create a conflict at 'a'",
    );
    expect(conflictOf(['a.b.c', 'z', 'a.b'])).toBe(
      "Updating the path 'a.b' would create a conflict at 'a.b'",
    );
  });

  it('lets paths that only share characters through', () => {
    for (const paths of [
      ['a.b', 'a.bc'],
      ['a.x', 'a-b', 'a.bc.d', 'ab'],
      ['a.$.x', 'a.$.y'],
      ['v.x.ALLOWED', 'v.x.BLOCKED', 'dc.x.card', 'df.x.card', 'n'],
    ])
      expect(conflictOf(paths)).toBeNull();
  });

  it('answers as the pairwise check for every list of up to three paths of up to three parts', () => {
    const parts = ['a', 'b', '$', 'a-b'];
    const paths = [...parts];
    for (const p of parts) for (const q of parts) paths.push(`${p}.${q}`);
    for (const p of ['a', '$'])
      for (const q of parts) for (const r of ['a', 'b']) paths.push(`${p}.${q}.${r}`);
    let compared = 0;
    for (const x of paths)
      for (const y of [undefined, ...paths])
        for (const z of y === undefined ? [undefined] : [undefined, ...paths]) {
          const list = [x, y, z].filter((p): p is string => p !== undefined);
          expect(conflictOf(list), JSON.stringify(list)).toBe(pairwiseConflict(list));
          compared++;
        }
    expect(compared).toBeGreaterThan(40_000);
  });
});

describe('update descriptions of many operator paths', () => {
  it('reports a created subtree once and each other target by its own path', () => {
    const before = { _id: 1, n: 1, v: { x: { ALLOWED: 2 } } };
    const after = { _id: 1, n: 2, v: { x: { ALLOWED: 3 } }, dc: { x: { card: 1, email: 1 } } };
    const d = describeUpdate(before, after, {
      $inc: { n: 1, 'v.x.ALLOWED': 1, 'dc.x.card': 1, 'dc.x.email': 1 },
    });
    expect(d.updatedFields).toEqual({ n: 2, 'v.x.ALLOWED': 3, dc: { x: { card: 1, email: 1 } } });
    expect(d.removedFields).toEqual([]);
  });
});
