import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from '../context';
import { required } from '../context';
import { CliError } from '../errors';
import { clip, table } from '../output';
import { sinceMs } from './logsExport';

const MANIFEST_FORMATS = ['json', 'yaml', 'cyclonedx'] as const;
const EXPORT_FORMATS = ['pdf', 'json', 'yaml', 'md', 'csv'];

/** `aegis manifest AGENT [-o json|yaml|cyclonedx]`: the agent's manifest (declared + observed). */
export const manifest: Command = async (ctx) => {
  const agent = required(ctx, 0, 'agent name');
  const format = ctx.options.output ?? 'json';
  if (!(MANIFEST_FORMATS as readonly string[]).includes(format))
    throw new CliError(`-o must be ${MANIFEST_FORMATS.join(', ')}, got "${format}"`);
  const out = await ctx.api.manifests.export.query({
    agent,
    format: format as (typeof MANIFEST_FORMATS)[number],
  });
  ctx.o.out(out.content);
};

/** `aegis governance apply -f FILE [--dry-run]`: store kind: GovernanceRule YAML, then re-evaluate. */
export const governanceApply: Command = async (ctx) => {
  const files = ctx.options.file ?? [];
  if (!files.length) throw new CliError('governance apply needs -f FILE');
  const yaml = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n---\n');
  const result = await ctx.api.governance.applyRules.mutate({
    yaml,
    dryRun: ctx.options['dry-run'] ?? false,
  });
  if (ctx.o.json) ctx.o.out(JSON.stringify(result, null, 2));
  else if (!result.ok)
    for (const p of result.problems)
      ctx.o.err(`${p.line === null ? '' : `line ${p.line}: `}${p.message}`);
  else
    ctx.o.out(
      ctx.options['dry-run']
        ? 'Valid; nothing stored (--dry-run).'
        : `Applied: ${result.applied.join(', ')}`,
    );
  return result.ok ? 0 : 1;
};

/** `aegis governance violations`: open violations, most severe first. */
export const governanceViolations: Command = async (ctx) => {
  const list = await ctx.api.governance.violations.query({
    ...(ctx.options.agent ? { agent: ctx.options.agent } : {}),
  });
  if (ctx.o.json) return ctx.o.out(JSON.stringify(list, null, 2));
  if (!list.violations.length) return ctx.o.out('No open violations.');
  table(
    ctx.o,
    ['SEVERITY', 'AGENT', 'TOOL', 'RULE', 'ACK', 'WHAT'],
    list.violations.map((v) => [
      v.severity.toUpperCase(),
      v.agent,
      v.tool ?? '-',
      v.ruleId,
      v.acknowledged ? 'yes' : '',
      clip(v.title, 60),
    ]),
  );
};

/** `aegis export [-o pdf|json|yaml|md|csv] [--since 30d] [--agents a,b]`: the compliance report to stdout. */
export const exportReport: Command = async (ctx) => {
  const format = ctx.options.output ?? 'pdf';
  if (!EXPORT_FORMATS.includes(format))
    throw new CliError(`-o must be ${EXPORT_FORMATS.join(', ')}, got "${format}"`);
  const params = new URLSearchParams({ format });
  if (ctx.options.since)
    params.set('from', new Date(Date.now() - sinceMs(ctx.options.since)).toISOString());
  if (ctx.options.agents) params.set('agents', ctx.options.agents);
  const res = await fetch(`${ctx.url.replace(/\/$/, '')}/export/report?${params.toString()}`, {
    headers: { authorization: `Bearer ${ctx.apiKey ?? ''}` },
  });
  if (!res.ok || !res.body) {
    const detail = ((await res.json().catch(() => null)) as { detail?: string } | null)?.detail;
    throw new CliError(`export refused (${res.status}): ${detail ?? res.statusText}`);
  }
  await pipeline(Readable.fromWeb(res.body), process.stdout, { end: false });
};
