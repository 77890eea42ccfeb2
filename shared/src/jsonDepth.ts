/** Deeper than any real input; deep enough that recursive code downstream cannot overflow the stack. */
export const MAX_JSON_DEPTH = 64;

/** The nesting depth of a parsed JSON value, computed without recursion (so it cannot overflow itself). */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Object.values(node as Record<string, unknown>))
      stack.push([child, depth + 1]);
  }
  return max;
}
