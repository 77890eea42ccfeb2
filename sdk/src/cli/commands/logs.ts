import type { AuditEntry } from '../../types';
import { positiveInt, type Command, type CommandContext } from '../context';
import { CliError, EXIT } from '../errors';
import { activityFilterOf, activityParams, isResumeGap } from '@aegis/shared';
import { exportLogs, filterParams } from './logsExport';
import { clip, paint, shortTime, statusColour, table } from '../output';

function row(ctx: CommandContext, e: AuditEntry): string[] {
  return [
    String(e.id),
    shortTime(e.timestamp),
    paint(ctx.o, statusColour(e.status), e.status),
    e.agent,
    e.action,
    clip(e.details, 70),
  ];
}
const headers = ['ID', 'TIME (UTC)', 'STATUS', 'AGENT', 'ACTION', 'DETAILS'];

/**
 * `aegis logs [agent] [--limit N] [--follow]`: the latest entries, oldest first; with --follow it
 * then streams new ones live (`audit.onEntry`, resuming after the last one shown) until Ctrl-C.
 */
export const logs: Command = async (ctx) => {
  const agent = ctx.args[0];
  const limit = ctx.options.limit ? positiveInt(ctx.options.limit, '--limit') : 20;
  // Fails with NOT_FOUND for an unknown agent, rather than printing an empty log.
  if (agent) await ctx.api.agents.byName.query({ name: agent });
  if (ctx.options.output) {
    if (!ctx.apiKey) throw new CliError('exporting needs an API key');
    return exportLogs(ctx, ctx.apiKey, ctx.options.output);
  }
  const parsed = activityParams.safeParse(Object.fromEntries(filterParams(ctx)));
  if (!parsed.success) throw new CliError(`bad filter: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { entries } = await ctx.api.audit.list.query({ ...activityFilterOf(parsed.data), limit: Math.min(limit, 200) });
  const oldestFirst = [...entries].sort((a, b) => a.id - b.id);
  if (!ctx.options.follow) {
    if (ctx.o.json) return ctx.o.out(JSON.stringify(oldestFirst, null, 2));
    if (oldestFirst.length === 0)
      return ctx.o.out(agent ? `No log entries for ${agent} yet.` : 'The audit log is empty.');
    return table(
      ctx.o,
      headers,
      oldestFirst.map((e) => row(ctx, e)),
    );
  }
  // Follow: JSON lines with --json, otherwise one aligned-enough line per entry.
  const print = (e: AuditEntry) =>
    ctx.o.out(ctx.o.json ? JSON.stringify(e) : row(ctx, e).join('  '));
  if (!ctx.o.json) ctx.o.out(paint(ctx.o, 'bold', headers.join('  ')));
  for (const e of oldestFirst) print(e);
  const lastId = oldestFirst.at(-1)?.id ?? 0;
  return new Promise<number>((resolve) => {
    let warned = false;
    const sub = ctx.api.audit.onEntry.subscribe(
      { agent, lastEventId: String(lastId) },
      {
        onData: ({ data }) => {
          // A reconnect from further back than the server replays: say what was skipped.
          if (isResumeGap(data)) ctx.o.err(`aegis: ${data.resumeGap.message}`);
          else print(data);
        },
        onConnectionStateChange: (state) => {
          if (state.state === 'connecting' && state.error && !warned) {
            warned = true;
            ctx.o.err(`aegis: lost the connection to ${ctx.url}; reconnecting…`);
          } else if (state.state === 'pending') warned = false;
        },
        onError: (error) => {
          ctx.o.err(`aegis: ${error.message}`);
          resolve(EXIT.failed);
        },
      },
    );
    const stop = () => {
      sub.unsubscribe();
      resolve(EXIT.ok);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
};
