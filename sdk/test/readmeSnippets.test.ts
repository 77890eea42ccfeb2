import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sdkDir } from './helpers/cli';

// Every ```ts block of the READMEs a user copies from is type-checked here, as written, against
// the SDK (strict, like the repository): a renamed option, a changed signature or a snippet that
// only worked through `any` fails this test instead of the reader. Names a snippet uses but leaves
// to the reader (your `bank`, your `llm`, the `support` handle of the snippet before) are declared
// for it below, with the types a real program would have; nothing is declared as `any`.

const root = path.resolve(sdkDir, '..');
const READMES = ['README.md', 'sdk/README.md'];

/** What a snippet may use without declaring it. Only the names a snippet doesn't declare itself. */
const givens: Record<string, string> = {
  aegis: `declare const aegis: ReturnType<typeof import('@aegis/sdk').createAegis>;`,
  support: `declare const support: import('@aegis/sdk').AgentHandle;`,
  payments: `declare const payments: import('@aegis/sdk').AgentHandle;`,
  marketing: `declare const marketing: import('@aegis/sdk').AgentHandle;`,
  bank: `declare const bank: { balance(id: number): Promise<number>; ssn(id: number): Promise<string> };`,
  db: `declare const db: { balance(id: number): Promise<number> };`,
  scanner: `declare const scanner: { run(accountId: number): Promise<string[]> };`,
  flags: `declare const flags: { add(accountId: number): Promise<void> };`,
  lookup: `declare const lookup: (id: number) => Promise<number>;`,
  crm: `declare const crm: { export(): Promise<string[]> };`,
  queueRetry: `declare const queueRetry: (approvalId: number | undefined) => void;`,
  metrics: `declare const metrics: { count(name: string, tags: Record<string, string>): void };`,
  MyPolicyViolation: `declare class MyPolicyViolation extends Error {}`,
  run: `declare const run: () => Promise<void>;`,
  read: `declare const read: () => Promise<{ id: number }>;`,
  job: `declare const job: { id: string };`,
  log: `declare const log: (...values: unknown[]) => void;`,
  llm: `declare const llm: import('@langchain/core/language_models/chat_models').BaseChatModel;`,
  model: `declare const model: import('@langchain/core/language_models/chat_models').BaseChatModel;`,
  tools: `declare const tools: import('@langchain/core/tools').StructuredToolInterface[];`,
  messages: `declare const messages: import('@langchain/core/messages').BaseMessage[];`,
  mongoClient: `declare const mongoClient: ConstructorParameters<typeof import('@langchain/langgraph-checkpoint-mongodb').MongoDBSaver>[0]['client'];`,
  // guarded functions in one snippet, LangChain tools in another
  lookupBalance: `declare const lookupBalance: import('@langchain/core/tools').StructuredToolInterface;`,
  accessSsn: `declare const accessSsn: import('@langchain/core/tools').StructuredToolInterface;`,
  deleteRecords: `declare const deleteRecords: import('@langchain/core/tools').StructuredToolInterface & ((table: string) => Promise<void>);`,
};

interface Snippet {
  readme: string;
  line: number;
  code: string;
}

function snippets(): Snippet[] {
  const found: Snippet[] = [];
  for (const readme of READMES) {
    const lines = readFileSync(path.join(root, readme), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]?.trim() !== '```ts') continue;
      const start = i + 1;
      const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
      found.push({ readme, line: start + 1, code: lines.slice(start, end).join('\n') });
      i = end;
    }
  }
  return found;
}

function declares(code: string, name: string): boolean {
  return (
    new RegExp(`\\b(?:const|let|var|function|class)\\s+${name}\\b`).test(code) ||
    new RegExp(`import\\s*(?:type\\s*)?\\{[^}]*\\b${name}\\b[^}]*\\}`).test(code)
  );
}

function withGivens(code: string): string {
  const used = Object.keys(givens).filter(
    (name) => new RegExp(`\\b${name}\\b`).test(code) && !declares(code, name),
  );
  // One line of declarations, so a diagnostic's line is the README's line + 1.
  return `${used.map((name) => givens[name]).join(' ')}\n${code}\nexport {};\n`;
}

describe('README snippets', () => {
  it('every ```ts block of README.md and sdk/README.md type-checks, strict, as written', () => {
    const all = snippets();
    expect(all.length).toBeGreaterThan(15);
    const config = ts.getParsedCommandLineOfConfigFile(
      path.join(root, 'tsconfig.base.json'),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
    );
    const options = { ...config!.options, noEmit: true };
    // Virtual files inside the repository, so imports resolve as they do for the SDK's own tests.
    const files = new Map(
      all.map((s, n) => [
        path.join(sdkDir, 'test', '__readme__', `${n}.ts`),
        { snippet: s, text: withGivens(s.code) },
      ]),
    );
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    const readFile = host.readFile.bind(host);
    host.fileExists = (f) => files.has(f) || fileExists(f);
    host.readFile = (f) => files.get(f)?.text ?? readFile(f);
    host.getSourceFile = (f, lang, ...rest) => {
      const virtual = files.get(f);
      return virtual ? ts.createSourceFile(f, virtual.text, lang) : getSourceFile(f, lang, ...rest);
    };
    const program = ts.createProgram([...files.keys()], options, host);
    const problems: string[] = [];
    for (const [file, { snippet }] of files) {
      const source = program.getSourceFile(file)!;
      for (const d of [
        ...program.getSyntacticDiagnostics(source),
        ...program.getSemanticDiagnostics(source),
      ]) {
        const { line } = source.getLineAndCharacterOfPosition(d.start ?? 0);
        const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
        problems.push(`${snippet.readme}:${snippet.line + line - 1}: ${message}`);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
