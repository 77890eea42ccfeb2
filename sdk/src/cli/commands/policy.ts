import { positiveInt, required, type Command } from '../context';
import { CliError } from '../errors';
import { paint, shortTime, table } from '../output';

const rule = (r: string | null) => r ?? 'none';

/** `aegis policy proposals [--all]`: policy changes agents' code asked for, waiting for an admin. */
export const policyProposals: Command = async ({ api, o, options }) => {
  const list = await api.policies.proposals.query(options.all ? {} : { status: 'PENDING' });
  if (o.json) return o.out(JSON.stringify(list, null, 2));
  if (list.length === 0) return o.out(options.all ? 'No proposals.' : 'No proposals waiting.');
  table(
    o,
    ['ID', 'AGENT', 'STATUS', 'CHANGES', 'BY', 'CREATED (UTC)'],
    list.map((p) => [
      String(p.id),
      p.agent,
      p.status,
      p.changes.map((c) => `${c.action}: ${rule(c.from)} → ${rule(c.to)}`).join(', '),
      p.proposedBy,
      shortTime(p.createdAt),
    ]),
  );
};

function decide(verb: 'accept' | 'reject'): Command {
  return async (ctx) => {
    const id = positiveInt(required(ctx, 0, 'proposal id'), 'proposal id');
    try {
      const input = { id };
      const p =
        verb === 'accept'
          ? await ctx.api.policies.acceptProposal.mutate(input)
          : await ctx.api.policies.rejectProposal.mutate(input);
      if (ctx.o.json) return ctx.o.out(JSON.stringify(p, null, 2));
      const colour = verb === 'accept' ? 'green' : 'red';
      ctx.o.out(`${paint(ctx.o, colour, p.status)}  proposal #${p.id} for ${p.agent}`);
    } catch (error) {
      const code = (error as { data?: { code?: string } }).data?.code;
      if (code === 'CONFLICT') throw new CliError((error as Error).message);
      throw error;
    }
  };
}

/** `aegis policy accept <id>`: apply a proposed change (admins). */
export const policyAccept = decide('accept');
/** `aegis policy reject <id>`. */
export const policyReject = decide('reject');
