import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/helpers/random';
import { jsonPieces } from './jsonPieces';

/** A random JSON-ish value: nested objects and arrays, and what JSON treats specially. */
function randomValue(random: () => number, depth: number): unknown {
  const r = random();
  if (depth <= 0 || r < 0.35) {
    const leaves: unknown[] = [
      null,
      undefined,
      true,
      0,
      -1.5e-7,
      Number.NaN,
      'plain',
      'two\nlines "quoted" \\ back',
      '',
      new Date(Date.UTC(2026, 11, 5, 9, 30)),
      () => 1,
      Symbol('s'),
      { toJSON: () => ({ replaced: [1, 2] }) },
    ];
    return leaves[Math.floor(random() * leaves.length)];
  }
  const n = Math.floor(random() * 5);
  if (r < 0.65) return Array.from({ length: n }, () => randomValue(random, depth - 1));
  return Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      `k${i}-${Math.floor(random() * 9)}`,
      randomValue(random, depth - 1),
    ]),
  );
}

describe('jsonPieces', () => {
  it('joins to exactly JSON.stringify(value, null, 2), at any depth and indentation', () => {
    const random = seededRandom(20261205);
    for (let i = 0; i < 3000; i++) {
      const value = { head: randomValue(random, 5), list: randomValue(random, 4) };
      const depth = 1 + (i % 4);
      expect([...jsonPieces(value, '', depth)].join('')).toBe(JSON.stringify(value, null, 2));
      // nested under a key two spaces in, as the report's members are
      const nested = JSON.stringify({ a: value }, null, 2);
      expect(`{\n  "a": ${[...jsonPieces(value, '  ', depth)].join('')}\n}`).toBe(nested);
    }
  });

  it('gives a large head one list member per piece', () => {
    const manifests = Array.from({ length: 1000 }, (_, i) => ({
      agent: { name: `agent_${i}` },
      tools: Array.from({ length: 20 }, (_, t) => ({ name: `tool_${t}`, tags: ['pii'] })),
    }));
    const head = { title: 'report', manifests, agents: manifests.map((m) => m.agent.name) };
    const pieces = [...jsonPieces(head)];
    const whole = JSON.stringify(head, null, 2);
    expect(pieces.join('')).toBe(whole);
    // each piece is at most one manifest as it is laid out in the head (~2 KB), never the ~2 MB head
    const laidOut = manifests.map((m) => JSON.stringify(m, null, 2).replaceAll('\n', '\n    '));
    expect(Math.max(...pieces.map((p) => p.length))).toBe(
      Math.max(...laidOut.map((t) => t.length)),
    );
    expect(pieces.length).toBeGreaterThan(2000);
  });
});
