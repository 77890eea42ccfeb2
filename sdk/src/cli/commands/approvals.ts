import { HIDDEN_CHARS_WARNING, previewHasHidden } from '@aegis/shared';
import { positiveInt, required, type Command } from '../context';
import { CliError } from '../errors';
import { clip, paint, shortTime, statusColour, table } from '../output';

/** `aegis pending`: approvals waiting for a human. */
export const pending: Command = async ({ api, o }) => {
  const list = await api.approvals.pending.query();
  if (o.json) return o.out(JSON.stringify(list, null, 2));
  if (list.length === 0) return o.out('No approvals pending.');
  table(
    o,
    ['ID', 'AGENT', 'ACTION', 'ARGUMENTS', 'CREATED (UTC)', 'EXPIRES (UTC)'],
    list.map((a) => [
      String(a.id),
      a.agent,
      a.action,
      clip(a.argsPreview, 50),
      shortTime(a.createdAt),
      shortTime(a.expiresAt),
    ]),
  );
  // The escapes alone could pass for noise: say what they mean, before anyone approves.
  const hidden = list.filter((a) => previewHasHidden(a.argsPreview)).map((a) => `#${a.id}`);
  if (hidden.length)
    o.out(paint(o, 'yellow', `Warning: arguments of ${hidden.join(', ')}: ${HIDDEN_CHARS_WARNING}.`));
};

function decide(decision: 'APPROVED' | 'DENIED'): Command {
  return async (ctx) => {
    const id = positiveInt(required(ctx, 0, 'approval id'), 'approval id');
    try {
      const approval = await ctx.api.approvals.decide.mutate({
        id,
        decision,
        remember: ctx.options.remember ?? false,
      });
      if (ctx.o.json) return ctx.o.out(JSON.stringify(approval, null, 2));
      const rule = ctx.options.remember
        ? ` (and ${decision === 'APPROVED' ? 'allowed' : 'blocked'} from now on)`
        : '';
      ctx.o.out(
        `${paint(ctx.o, statusColour(decision), decision)}  approval #${id}: ${approval.agent} → ${approval.action}${rule}`,
      );
    } catch (error) {
      const code = (error as { data?: { code?: string } }).data?.code;
      if (code === 'CONFLICT') throw new CliError(`approval #${id} was already decided`);
      throw error;
    }
  };
}

/** `aegis approve <id> [--remember]`. */
export const approve = decide('APPROVED');
/** `aegis deny <id> [--remember]`. */
export const deny = decide('DENIED');
