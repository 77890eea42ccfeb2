import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parsePolicyYaml } from '@aegis/shared';
import { CliError } from './errors';

/** One YAML file, read and sorted into policies (AgentPolicy/GlobalPolicy) or test cases. */
export interface PolicyFile {
  /** As the person named it (relative paths stay relative), for positions in messages. */
  file: string;
  text: string;
  kind: 'policies' | 'tests';
}

const YAML = /\.ya?ml$/i;

/**
 * The YAML files named by `-f`/arguments: files as given, directories' `*.yaml`/`*.yml` (not
 * recursive), in name order. A file whose documents are `kind: PolicyTests` holds test cases;
 * mixing them with policies in one file is refused (apply would try to store the tests).
 */
export async function readPolicyFiles(targets: readonly string[]): Promise<PolicyFile[]> {
  if (targets.length === 0) throw new CliError('name the policy files or directory (-f FILE|DIR); see `aegis help`');
  const files: string[] = [];
  for (const target of targets) {
    const info = await stat(target).catch(() => null);
    if (!info) throw new CliError(`${target}: no such file or directory`);
    if (info.isDirectory()) {
      const names = (await readdir(target)).filter((n) => YAML.test(n)).sort();
      if (names.length === 0) throw new CliError(`${target}: no .yaml or .yml files`);
      files.push(...names.map((n) => path.join(target, n)));
    } else files.push(target);
  }
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(file, 'utf8');
      return { file, text, kind: kindOf(text, file) };
    }),
  );
}

function kindOf(text: string, file: string): PolicyFile['kind'] {
  const parsed = parsePolicyYaml(text, file);
  // A file that does not even parse is a policy file: applying or testing it reports where.
  if (!parsed.ok) return 'policies';
  const kinds = parsed.documents.map((d) => (d.value as { kind?: unknown } | null)?.kind);
  const tests = kinds.filter((k) => k === 'PolicyTests').length;
  if (tests === 0) return 'policies';
  if (tests < kinds.length) throw new CliError(`${file}: keep kind: PolicyTests documents in a file of their own`);
  return 'tests';
}

/** The policy files' documents as one YAML stream (each file's documents, separated). */
export function joinedPolicies(files: readonly PolicyFile[]): string {
  return files
    .filter((f) => f.kind === 'policies')
    .map((f) => f.text.replace(/^---\s*\n/, ''))
    .join('\n---\n');
}
