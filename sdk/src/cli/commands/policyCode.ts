import { policyDocumentYaml, type ApplyPolicyResult, type PolicyProblemOut } from '@aegis/shared';
import { positiveInt, required, type Command, type CommandContext } from '../context';
import { CliError, EXIT } from '../errors';
import { paint, shortTime, table, type Output } from '../output';
import { joinedPolicies, readPolicyFiles } from '../policyFiles';

/** `AGENT` or `--global`: which policy a command is about. */
function targetOf(ctx: CommandContext): { agent?: string } {
  if (ctx.options.global) return {};
  return { agent: required(ctx, 0, 'agent name (or --global)') };
}

const nameOf = (agent: string | null) => agent ?? 'global policy';

function printProblems(o: Output, problems: readonly PolicyProblemOut[]): number {
  for (const p of problems) o.err(p.text);
  return EXIT.failed;
}

/** Colours a line diff: additions green, removals red. */
function printDiff(o: Output, diff: string): void {
  for (const line of diff.split('\n')) {
    if (line.startsWith('+ ')) o.out(paint(o, 'green', line));
    else if (line.startsWith('- ')) o.out(paint(o, 'red', line));
    else o.out(line);
  }
}

/**
 * Validates every file on its own (problems name file:line:column), then sends all documents in
 * one request: nothing is stored unless every document is valid.
 */
async function plan(ctx: CommandContext, dryRun: boolean): Promise<ApplyPolicyResult | number> {
  const files = await readPolicyFiles([...(ctx.options.file ?? []), ...ctx.args]);
  const policyFiles = files.filter((f) => f.kind === 'policies');
  if (policyFiles.length === 0) throw new CliError('no AgentPolicy or GlobalPolicy documents in the files given');
  const checks = await Promise.all(
    policyFiles.map((f) => ctx.api.policies.applyRules.mutate({ yaml: f.text, file: f.file, dryRun: true })),
  );
  const problems = checks.flatMap((c) => c.problems);
  if (problems.length) return printProblems(ctx.o, problems);
  const result = await ctx.api.policies.applyRules.mutate({
    yaml: joinedPolicies(files),
    dryRun,
    ...(ctx.options.message ? { message: ctx.options.message } : {}),
  });
  return result.ok ? result : printProblems(ctx.o, result.problems);
}

function report(o: Output, result: ApplyPolicyResult, showDiff: boolean): void {
  if (o.json) return o.out(JSON.stringify(result, null, 2));
  for (const p of result.policies) {
    const head = !p.changed
      ? `${nameOf(p.agent)}: unchanged (v${p.version})`
      : result.dryRun
        ? `${nameOf(p.agent)}: would change v${p.fromVersion} → v${p.fromVersion + 1}`
        : `${nameOf(p.agent)}: ${paint(o, 'green', 'applied')} v${p.fromVersion} → v${p.version}`;
    o.out(head);
    if (showDiff && p.changed) printDiff(o, p.diff);
  }
}

/** `aegis policy apply -f FILE|DIR [--dry-run] [-m MESSAGE]` (admins). */
export const policyApply: Command = async (ctx) => {
  const result = await plan(ctx, Boolean(ctx.options['dry-run']));
  if (typeof result === 'number') return result;
  report(ctx.o, result, true);
  return EXIT.ok;
};

/** `aegis policy diff -f FILE|DIR`: what apply would change, as a diff; nothing is stored. */
export const policyDiff: Command = async (ctx) => {
  const result = await plan(ctx, true);
  if (typeof result === 'number') return result;
  report(ctx.o, result, true);
  return EXIT.ok;
};

/** `aegis policy get AGENT|--global [-o yaml|json]`: the rule document in force. */
export const policyGet: Command = async (ctx) => {
  const format = ctx.options.output ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') throw new CliError(`-o must be yaml or json, got "${format}"`);
  const stored = await ctx.api.policies.document.query(targetOf(ctx));
  if (ctx.o.json) return ctx.o.out(JSON.stringify(stored, null, 2));
  if (format === 'json') return ctx.o.out(JSON.stringify(stored.document, null, 2));
  const lists = stored.lists;
  const about = `# ${nameOf(stored.agent)} v${stored.version}${stored.author ? ` by ${stored.author}` : ''}${stored.message ? `: ${stored.message}` : ''}`;
  ctx.o.out(about);
  if (lists) ctx.o.out(`# lists (declared by code or set per action): allowed [${lists.allowed.join(', ')}], blocked [${lists.blocked.join(', ')}], review [${lists.review.join(', ')}]`);
  if (stored.document) ctx.o.out(policyDocumentYaml(stored.document).trimEnd());
  else ctx.o.out('# no rule document applied');
};

/** `aegis policy history AGENT|--global [-n N]`: versions, newest first. */
export const policyHistory: Command = async (ctx) => {
  const limit = ctx.options.limit ? positiveInt(ctx.options.limit, '--limit') : 20;
  const versions = await ctx.api.policies.history.query({ ...targetOf(ctx), limit });
  if (ctx.o.json) return ctx.o.out(JSON.stringify(versions, null, 2));
  if (versions.length === 0) return ctx.o.out('No versions.');
  table(
    ctx.o,
    ['VERSION', 'AT (UTC)', 'AUTHOR', 'RULES', 'MESSAGE'],
    versions.map((v) => [
      `v${v.version}`,
      shortTime(v.at),
      v.author ?? '(code)',
      v.document ? String(v.document.rules.length) : '-',
      v.message ?? '',
    ]),
  );
};

/** `aegis policy rollback AGENT|--global VERSION [-m MESSAGE]` (admins): as a new version. */
export const policyRollback: Command = async (ctx) => {
  const target = targetOf(ctx);
  const version = positiveInt(required(ctx, target.agent ? 1 : 0, 'version'), 'version');
  const applied = await ctx.api.policies.rollback.mutate({
    ...target,
    version,
    ...(ctx.options.message ? { message: ctx.options.message } : {}),
  });
  if (ctx.o.json) return ctx.o.out(JSON.stringify(applied, null, 2));
  ctx.o.out(`${nameOf(applied.agent)}: rolled back to v${version}'s rules as v${applied.version}`);
  if (applied.changed) printDiff(ctx.o, applied.diff);
};

/** `7d`, `36h`, `90m` → hours. */
function sinceHours(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(d|h|m)$/.exec(text);
  if (!m) throw new CliError(`--since must look like 7d, 24h or 90m, got "${text}"`);
  const n = Number(m[1]);
  return m[2] === 'd' ? n * 24 : m[2] === 'h' ? n : n / 60;
}

/** `aegis policy replay -f FILE|DIR [--since 7d] [-n LIMIT]` (admins): what a candidate would change. */
export const policyReplay: Command = async (ctx) => {
  const files = await readPolicyFiles([...(ctx.options.file ?? []), ...ctx.args]);
  const result = await ctx.api.policies.replay.mutate({
    yaml: joinedPolicies(files),
    sinceHours: sinceHours(ctx.options.since ?? '7d'),
    ...(ctx.options.limit ? { limit: positiveInt(ctx.options.limit, '--limit') } : {}),
  });
  if (!result.ok) return printProblems(ctx.o, result.problems);
  if (ctx.o.json) return ctx.o.out(JSON.stringify(result, null, 2));
  const rate = result.elapsedMs > 0 ? Math.round((result.evaluated / result.elapsedMs) * 1000) : result.evaluated;
  ctx.o.out(`${result.evaluated} stored decisions replayed in ${result.elapsedMs.toFixed(0)} ms (${rate}/s); ${result.changed} would change`);
  for (const rule of result.rules) {
    for (const change of rule.changes) {
      ctx.o.out(`  rule ${rule.rule}: ${change.from} → ${change.to} × ${change.count}`);
      for (const e of change.examples.slice(0, 3)) ctx.o.out(`    e.g. #${e.auditId} ${e.agent} ${e.action} ${e.argsPreview ?? ''}`.trimEnd());
    }
  }
};
