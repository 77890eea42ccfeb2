/** Problems found in a policy, located for a person: file:line:column, rule id, and the spot inside an expression. */

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface PolicyProblem {
  message: string;
  /** The rule the problem is in, when it is in one. */
  ruleId?: string;
  /** Where in the document, e.g. ["rules", 2, "when"]. */
  path: (string | number)[];
  /** Inside the expression or reason, when the problem is in one. */
  expression?: Position;
  file?: string;
  /** In the file, when the document came from one. */
  line?: number;
  column?: number;
  /** The whole problem on one line, e.g. `policy.yaml:12:19: rule "big-transfer": when: …`. */
  text: string;
}

/** Maps document paths (and offsets inside string values) to file positions. */
export interface SourceMap {
  file?: string;
  /** Where `path` is; `atKey`: the last step's key, not its value (an unknown key). */
  locate(path: readonly (string | number)[], offset?: number, atKey?: boolean): Position | undefined;
}

/** Line and column of `offset` inside `text`. */
export function positionIn(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export function problemAt(
  source: SourceMap | undefined,
  path: (string | number)[],
  message: string,
  extra: { ruleId?: string; text?: string; offset?: number; atKey?: boolean } = {},
): PolicyProblem {
  const expression = extra.text !== undefined && extra.offset !== undefined ? positionIn(extra.text, extra.offset) : undefined;
  const pos = source?.locate(path, extra.offset, extra.atKey);
  const where = [source?.file, pos?.line, pos?.column].filter((x) => x !== undefined).join(':');
  const field = path.filter((p) => typeof p === 'string' && p !== 'rules').join('.');
  const subject = extra.ruleId ? `rule "${extra.ruleId}"${field ? ` ${field}` : ''}` : path.join('.') || 'document';
  const inExpr = expression && !pos ? ` (at ${expression.line}:${expression.column})` : '';
  return {
    message,
    ruleId: extra.ruleId,
    path,
    expression,
    file: source?.file,
    line: pos?.line,
    column: pos?.column,
    text: `${where ? `${where}: ` : ''}${subject}: ${message}${inExpr}`,
  };
}
