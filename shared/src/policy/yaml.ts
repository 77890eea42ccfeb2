import { isCollection, isMap, isNode, isScalar, LineCounter, parseAllDocuments, Scalar, type Document, type Node } from 'yaml';
import { compilePolicy, type CompiledPolicy, type CompileOptions } from './compile';
import { problemAt, type PolicyProblem, type Position, type SourceMap } from './problems';

/**
 * Policies as YAML files: one document per policy, any number of documents per file (`---`).
 * Parsing keeps positions, so every problem — YAML syntax, schema, CEL — says file:line:column.
 */

export interface PolicySourceDocument {
  /** The plain value of the document, for `compilePolicy`. */
  value: unknown;
  source: SourceMap;
}

export type ParsedPolicyYaml = { ok: true; documents: PolicySourceDocument[] } | { ok: false; problems: PolicyProblem[] };

const MAX_FILE = 1_000_000;

/**
 * A YAML reader's message, for the document's author. Nesting deep enough to overflow the
 * reader's stack (about a thousand levels) is said as such, not as the engine's words.
 */
export function yamlMessage(message: string): string {
  if (message.includes('Maximum call stack size exceeded'))
    return 'the document nests too deeply to read (keep it within a few hundred levels)';
  return message.split('\n')[0]!;
}

export function parsePolicyYaml(text: string, file?: string): ParsedPolicyYaml {
  if (text.length > MAX_FILE) {
    return { ok: false, problems: [problemAt({ file, locate: () => ({ line: 1, column: 1 }) }, [], `file is larger than ${MAX_FILE} characters`)] };
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  const problems: PolicyProblem[] = [];
  const documents: PolicySourceDocument[] = [];
  for (const doc of list) {
    for (const err of [...doc.errors, ...doc.warnings]) {
      const pos = lineCounter.linePos(err.pos[0]);
      problems.push(problemAt({ file, locate: () => ({ line: pos.line, column: pos.col }) }, [], yamlMessage(err.message)));
    }
    if (doc.errors.length || doc.contents === null) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 50 });
    } catch (e) {
      problems.push(problemAt({ file, locate: () => ({ line: 1, column: 1 }) }, [], yamlMessage((e as Error).message)));
      continue;
    }
    documents.push({ value, source: sourceMapOf(doc, text, lineCounter, file) });
  }
  return problems.length ? { ok: false, problems } : { ok: true, documents };
}

function sourceMapOf(doc: Document.Parsed, text: string, lines: LineCounter, file: string | undefined): SourceMap {
  const at = (offset: number): Position => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  return {
    file,
    locate(path, offset, atKey) {
      // The deepest node that exists along the path (a missing key points at its parent).
      let node: Node | null = doc.contents;
      for (const [i, key] of path.entries()) {
        if (!isCollection(node)) break;
        if (atKey && i === path.length - 1 && isMap(node)) {
          const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
          if (isScalar(pair?.key) && pair.key.range) return at(pair.key.range[0]);
        }
        const next: unknown = node.get(key, true);
        if (!isNode(next)) break;
        node = next;
      }
      if (!node?.range) return undefined;
      if (offset === undefined || !isScalar(node)) return at(node.range[0]);
      return offsetInScalar(node, offset, text, at);
    },
  };
}

/** The file position of character `offset` of a scalar's value. */
function offsetInScalar(node: Scalar, offset: number, text: string, at: (offset: number) => Position): Position {
  const start = node.range![0];
  const value = String(node.value);
  // An error at the very end (e.g. "unexpected EOF") belongs after the last character, not on the
  // line the block's final newline opens.
  offset = Math.min(offset, value.trimEnd().length);
  const before = value.slice(0, offset);
  const lineInValue = before.split('\n').length - 1;
  const column = offset - (before.lastIndexOf('\n') + 1);
  if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
    // Content starts on the line after the `|` / `>` header, at the block's indentation.
    const contentStart = text.indexOf('\n', start) + 1;
    const indent = /^ */.exec(text.slice(contentStart))![0].length;
    const first = at(contentStart);
    return { line: first.line + lineInValue, column: indent + column + 1 };
  }
  const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE ? 1 : 0;
  const p = at(start + quoted + (lineInValue === 0 ? offset : 0));
  return lineInValue === 0 ? p : { line: p.line + lineInValue, column: column + 1 };
}

export type CompiledPolicyYaml = { ok: true; policies: CompiledPolicy[] } | { ok: false; problems: PolicyProblem[] };

/** Parses a YAML file and compiles each of its documents; problems from every document together. */
export function compilePolicyYaml(text: string, file?: string, options: Omit<CompileOptions, 'source'> = {}): CompiledPolicyYaml {
  const parsed = parsePolicyYaml(text, file);
  if (!parsed.ok) return parsed;
  const problems: PolicyProblem[] = [];
  const policies: CompiledPolicy[] = [];
  for (const d of parsed.documents) {
    const result = compilePolicy(d.value, { ...options, source: d.source });
    if (result.ok) policies.push(result.policy);
    else problems.push(...result.problems);
  }
  return problems.length ? { ok: false, problems } : { ok: true, policies };
}
