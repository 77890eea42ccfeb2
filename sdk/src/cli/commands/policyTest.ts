import {
  compilePolicyYaml,
  formatPolicyTestResults,
  parsePolicyTestsYaml,
  runPolicyTests,
  type CompiledPolicy,
  type PolicyTestResult,
} from '@aegis/shared';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../errors';
import { paint } from '../output';
import { readPolicyFiles } from '../policyFiles';

/**
 * `aegis policy test DIR|FILE…`: compiles the policies and runs the `kind: PolicyTests` cases
 * against them, in this process (no server): exit 0 when every case passes, 1 with a readable
 * diff per failing case — or with the problems (file:line:column) when a file does not compile.
 */
export async function policyTest(ctx: Pick<CommandContext, 'o' | 'args' | 'options'>): Promise<number> {
  const { o } = ctx;
  const files = await readPolicyFiles([...(ctx.options.file ?? []), ...ctx.args]);
  const policies: CompiledPolicy[] = [];
  const problems: string[] = [];
  for (const f of files.filter((x) => x.kind === 'policies')) {
    const compiled = compilePolicyYaml(f.text, f.file);
    if (compiled.ok) policies.push(...compiled.policies);
    else problems.push(...compiled.problems.map((p) => p.text));
  }
  const results: PolicyTestResult[] = [];
  const testFiles = files.filter((x) => x.kind === 'tests');
  if (testFiles.length === 0) throw new CliError('no kind: PolicyTests files found');
  for (const f of testFiles) {
    const parsed = parsePolicyTestsYaml(f.text, f.file);
    if (parsed.ok) results.push(...runPolicyTests(policies, parsed.cases, f.file));
    else problems.push(...parsed.problems.map((p) => p.text));
  }
  if (problems.length) {
    for (const p of problems) o.err(p);
    return EXIT.failed;
  }
  const failed = results.filter((r) => !r.pass).length;
  if (o.json) {
    const out = results.map(({ file, name, pass, diff, decision }) => ({ file, name, pass, diff, verdict: decision.verdict, rule: decision.rule }));
    o.out(JSON.stringify({ passed: results.length - failed, failed, results: out }, null, 2));
  } else {
    const text = formatPolicyTestResults(results);
    for (const line of text.split('\n')) o.out(line.startsWith('FAIL ') ? paint(o, 'red', line) : line);
  }
  return failed ? EXIT.failed : EXIT.ok;
}
