// regjsparser is CommonJS without static named exports: Node's ESM loader only gives a default.
import regjsparser, { type AstNode, type CharacterClassBody, type RootNode } from 'regjsparser';
import { ANY, DIGIT, EMPTY, SPACE, WORD, caseFold, complement, intersects, union, type CharSet } from './charSet';

/** What a custom pattern is refused for; the message names the construct and the fix. */
export class UnsafePatternError extends Error {}

/** An unbounded repeat in a custom pattern matches at most this many times (see README). */
export const REPEAT_CAP = 128;
const MAX_COUNT = 1000;
const MAX_AMBIGUOUS_PATHS = 1024;

interface Shape {
  min: number;
  max: number;
  nullable: boolean;
  /** Characters a match can start with. */
  first: CharSet;
  /** Every character the part can match. */
  chars: CharSet;
  /** The part's own sequence of terms, for the cross-iteration check of repeats. */
  terms: Shape[];
  /** The part as written, for messages. */
  raw: string;
}

type Features = { lookbehind: true; namedGroups: true; unicodePropertyEscape: true };

/**
 * Checks that a pattern cannot backtrack catastrophically, and returns it rewritten with every
 * unbounded repeat capped at {@link REPEAT_CAP}. The rules are deliberately simple and
 * conservative, so a refusal can say exactly what to change:
 *
 * 1. no backreferences and no lookaround (they leave the regular languages);
 * 2. a repeated part must not match the empty string, and alternatives inside a repeat must
 *    start with different characters (`(a|ab)+` can split "abab…" exponentially many ways);
 * 3. two variable-length parts in a row must not be able to match the same characters, looking
 *    through optional or shared characters between them (`\d+\d+`, `\w+\s?\w+`, `a?a?a?aaa`),
 *    and the same holds across the iterations of a repeat (`(\d+-?)+`);
 * 4. alternations outside repeats whose branches overlap may not multiply beyond 1,024 paths.
 *
 * With those, the work per starting position is bounded by the pattern (times the cap), so a
 * scan is linear in the input.
 */
export function checkPatternShape(pattern: string, flags: string): string {
  try {
    // The engine's own syntax check first: its messages are the ones people know.
    new RegExp(pattern, `u${flags}`);
  } catch (error) {
    throw new UnsafePatternError(`not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`);
  }
  let ast: RootNode<Features>;
  try {
    ast = regjsparser.parse(pattern, `u${flags}`, { lookbehind: true, namedGroups: true, unicodePropertyEscape: true });
  } catch (error) {
    const first = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    throw new UnsafePatternError(`not a valid regular expression: ${first}`);
  }
  const analyzer = new Analyzer(flags.includes('i'));
  analyzer.shape(ast, false);
  if (analyzer.paths > MAX_AMBIGUOUS_PATHS) {
    throw new UnsafePatternError(
      'too many overlapping alternatives (e.g. (a|a)(a|a)…): make the branches of each alternation start differently',
    );
  }
  return capRepeats(pattern, analyzer.unbounded);
}

class Analyzer {
  paths = 1;
  unbounded: Array<{ end: number; suffix: string; replacement: string }> = [];
  constructor(private readonly ignoreCase: boolean) {}

  shape(node: AstNode<Features>, inRepeat: boolean): Shape {
    return { ...this.shapeOf(node, inRepeat), raw: node.raw };
  }

  private shapeOf(node: AstNode<Features>, inRepeat: boolean): Omit<Shape, 'raw'> {
    switch (node.type) {
      case 'value':
        return this.char([[node.codePoint, node.codePoint]]);
      case 'dot':
      case 'unicodePropertyEscape':
        return this.char(ANY);
      case 'characterClassEscape':
        return this.char(escapeSet(node.value));
      case 'characterClass': {
        const set = union(...node.body.map(classBodySet));
        return this.char(node.negative ? complement(this.fold(set)) : set);
      }
      case 'characterClassRange':
        return this.char([[node.min.codePoint, node.max.codePoint]]);
      case 'anchor':
        return { min: 0, max: 0, nullable: true, first: EMPTY, chars: EMPTY, terms: [] };
      case 'reference':
        throw new UnsafePatternError(`backreferences (${node.raw}) are not allowed in DLP patterns`);
      case 'group':
        if (node.behavior !== 'normal' && node.behavior !== 'ignore') {
          throw new UnsafePatternError(`lookaround (${node.raw.slice(0, 4)}…) is not allowed in DLP patterns`);
        }
        return this.sequence(node.body, inRepeat);
      case 'alternative':
        return this.sequence(node.body, inRepeat);
      case 'disjunction':
        return this.disjunction(node.body, inRepeat, node.raw);
      case 'quantifier':
        return this.quantifier(node, inRepeat);
    }
  }

  private char(set: CharSet): Omit<Shape, 'raw'> {
    const chars = this.fold(set);
    return { min: 1, max: 1, nullable: false, first: chars, chars, terms: [] };
  }

  private fold(set: CharSet): CharSet {
    return this.ignoreCase ? caseFold(set) : set;
  }

  private sequence(nodes: ReadonlyArray<AstNode<Features>>, inRepeat: boolean): Omit<Shape, 'raw'> {
    const terms = nodes.map((n) => this.shape(n, inRepeat));
    checkAdjacent(terms);
    return concat(terms);
  }

  private disjunction(nodes: ReadonlyArray<AstNode<Features>>, inRepeat: boolean, raw: string): Omit<Shape, 'raw'> {
    const branches = nodes.map((n) => this.shape(n, inRepeat));
    const overlapping = branches.some((a, i) =>
      branches.some((b, j) => j > i && (a.nullable || b.nullable || intersects(a.first, b.first))),
    );
    if (overlapping && inRepeat) {
      throw new UnsafePatternError(
        `alternatives inside a repeat must start with different characters: ${raw} (their overlap lets the engine try exponentially many splits)`,
      );
    }
    if (overlapping) this.paths *= branches.length;
    return {
      min: Math.min(...branches.map((b) => b.min)),
      max: Math.max(...branches.map((b) => b.max)),
      nullable: branches.some((b) => b.nullable),
      first: union(...branches.map((b) => b.first)),
      chars: union(...branches.map((b) => b.chars)),
      terms: [],
    };
  }

  private quantifier(node: Extract<AstNode<Features>, { type: 'quantifier' }>, inRepeat: boolean): Omit<Shape, 'raw'> {
    const { min } = node;
    if (min > MAX_COUNT || (node.max !== undefined && node.max > MAX_COUNT)) {
      throw new UnsafePatternError(`repeat counts above ${MAX_COUNT} are not allowed: ${node.raw}`);
    }
    const [inner] = node.body;
    const repeats = node.max === undefined || node.max > 1;
    const body = this.shape(inner, inRepeat || repeats);
    if (repeats && body.nullable) {
      throw new UnsafePatternError(`a repeated part must not match the empty string: ${node.raw}`);
    }
    if (repeats) checkAdjacent([...expand(body), ...expand(body)]);
    let max = node.max ?? REPEAT_CAP;
    if (node.max === undefined) {
      max = Math.max(min, REPEAT_CAP);
      const suffix = node.raw.slice(inner.raw.length);
      const lazy = suffix.endsWith('?') ? '?' : '';
      this.unbounded.push({ end: node.range[1], suffix, replacement: `{${min},${max}}${lazy}` });
    }
    return {
      min: body.min * min,
      max: body.max * max,
      nullable: min === 0 || body.nullable,
      first: body.first,
      chars: body.chars,
      terms: [],
    };
  }
}

function expand(shape: Shape): Shape[] {
  return shape.terms.length > 0 ? shape.terms : [shape];
}

/** Rule 3: a variable-length part followed (through optional or shared characters) by another that overlaps it. */
function checkAdjacent(terms: readonly Shape[]): void {
  for (let i = 0; i < terms.length; i++) {
    const x = terms[i] as Shape;
    if (x.min === x.max) continue;
    for (let j = i + 1; j < terms.length; j++) {
      const y = terms[j] as Shape;
      const overlap = intersects(x.chars, y.chars);
      if (y.min !== y.max && overlap) {
        throw new UnsafePatternError(
          `${x.raw} and ${y.raw} can match the same characters one after the other (like \\d+\\d+ or \\w+\\s?\\w+), so the engine may try every way of splitting the text between them (catastrophic backtracking): separate them with a character only one of them can match`,
        );
      }
      if (!y.nullable && !overlap) break;
    }
  }
}

function concat(terms: readonly Shape[]): Omit<Shape, 'raw'> {
  let first: CharSet = EMPTY;
  let nullable = true;
  for (const t of terms) {
    if (!nullable) break;
    first = union(first, t.first);
    nullable = t.nullable;
  }
  return {
    min: terms.reduce((s, t) => s + t.min, 0),
    max: terms.reduce((s, t) => s + t.max, 0),
    nullable,
    first,
    chars: union(...terms.map((t) => t.chars)),
    terms: [...terms],
  };
}

function escapeSet(value: 'd' | 'D' | 'w' | 'W' | 's' | 'S'): CharSet {
  switch (value) {
    case 'd':
      return DIGIT;
    case 'D':
      return complement(DIGIT);
    case 'w':
      return WORD;
    case 'W':
      return complement(WORD);
    case 's':
      return SPACE;
    case 'S':
      return complement(SPACE);
  }
}

function classBodySet(node: CharacterClassBody): CharSet {
  switch (node.type) {
    case 'value':
      return [[node.codePoint, node.codePoint]];
    case 'characterClassRange':
      return [[node.min.codePoint, node.max.codePoint]];
    case 'characterClassEscape':
      return escapeSet(node.value);
    case 'unicodePropertyEscape':
      return ANY;
  }
}

/** The pattern with each unbounded quantifier suffix (`+`, `*?`, `{2,}`) replaced by a capped count. */
function capRepeats(pattern: string, edits: ReadonlyArray<{ end: number; suffix: string; replacement: string }>): string {
  let out = pattern;
  for (const edit of [...edits].sort((a, b) => b.end - a.end)) {
    out = out.slice(0, edit.end - edit.suffix.length) + edit.replacement + out.slice(edit.end);
  }
  return out;
}
