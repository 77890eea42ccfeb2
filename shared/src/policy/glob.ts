/** Name globs for agents and actions: `*` is any run of characters, `?` exactly one; no other syntax. */

export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** Compiles a glob into an anchored RegExp. Globs contain no regex syntax besides what we escape. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  // Runs of `*` collapse to one `.*`, so no pattern can backtrack badly.
  return new RegExp(`^${source.replace(/(\.\*)+/g, '.*')}$`, 's');
}

/** A predicate over names for a list of names and globs. */
export function nameMatcher(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set(patterns.filter((p) => !isGlob(p)));
  const globs = patterns.filter(isGlob).map(globToRegExp);
  if (globs.length === 0) return (name) => exact.has(name);
  return (name) => exact.has(name) || globs.some((g) => g.test(name));
}
