import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CommandContext } from '../context';
import { CliError } from '../errors';

/** `90m`, `24h`, `7d` → milliseconds; an ISO time → its distance from now. */
export function sinceMs(text: string, now = Date.now()): number {
  const m = /^(\d+(?:\.\d+)?)(m|h|d)$/.exec(text);
  if (m) return Number(m[1]) * (m[2] === 'd' ? 86_400_000 : m[2] === 'h' ? 3_600_000 : 60_000);
  const at = Date.parse(text);
  if (/^\d{4}-\d\d-\d\d/.test(text) && !Number.isNaN(at)) return Math.max(0, now - at);
  throw new CliError(`--since must look like 90m, 24h, 7d or an ISO time, got "${text}"`);
}

/** The Activity filter (the dashboard's URL parameters) from the command line. */
export function filterParams(ctx: CommandContext, now = Date.now()): URLSearchParams {
  const o = ctx.options;
  const params = new URLSearchParams();
  const agents = [ctx.args[0], o.agent].filter((a): a is string => Boolean(a));
  if (agents.length) params.set('agent', agents.join(','));
  if (o.since) params.set('from', new Date(now - sinceMs(o.since, now)).toISOString());
  if (o.until) params.set('to', new Date(now - sinceMs(o.until, now)).toISOString());
  for (const name of ['status', 'source', 'action', 'rule', 'detector', 'run'] as const) {
    const value = o[name];
    if (value) params.set(name, name === 'status' ? value.toUpperCase() : value);
  }
  if (o.q) params.set('q', o.q);
  return params;
}

/**
 * `aegis logs … -o csv|json`: the server's streamed export of the filter, written to stdout as it
 * arrives (nothing is held whole here either). The server checks the filter: a bad one exits 1
 * with its message.
 */
export async function exportLogs(
  ctx: CommandContext,
  apiKey: string,
  format: string,
): Promise<number> {
  if (format !== 'csv' && format !== 'json')
    throw new CliError(`-o must be csv or json, got "${format}"`);
  const params = filterParams(ctx);
  params.set('format', format);
  if (ctx.options.limit) params.set('limit', ctx.options.limit);
  const res = await fetch(`${ctx.url.replace(/\/$/, '')}/export/audit?${params.toString()}`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  if (!res.ok || !res.body) {
    const detail = ((await res.json().catch(() => null)) as { detail?: string } | null)?.detail;
    throw new CliError(`export refused (${res.status}): ${detail ?? res.statusText}`);
  }
  await pipeline(Readable.fromWeb(res.body), process.stdout, { end: false });
  return 0;
}
