import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { SoftWrap } from './SoftWrap';
import { Link } from 'react-router';
import { Check, ScrollText, X } from 'lucide-react';
import { useTRPC, type RouterOutputs } from '../lib/trpc';
import { toast } from '../lib/toasts';
import { Ago } from './Ago';
import { RULE_TONE } from './StatusBadge';

type Proposal = RouterOutputs['policies']['proposals'][number];
type Rule = Proposal['changes'][number]['to'];

function RuleChip({ rule }: { rule: Rule }) {
  if (!rule) return <span className="rounded-full bg-neutral-100 px-2 py-0.5 text-xs font-bold text-neutral-700 dark:bg-neutral-800 dark:text-neutral-300">no rule</span>;
  return <span className={`rounded-full px-2 py-0.5 text-xs font-bold ${RULE_TONE[rule]}`}>{rule}</span>;
}

/**
 * Policy changes agents' code asked for that would loosen their policy. They don't apply until an
 * admin accepts them; everyone else sees them waiting.
 */
export function ProposalsPanel({ now, isAdmin }: { now: number; isAdmin: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { data } = useQuery(trpc.policies.proposals.queryOptions({ status: 'PENDING' }));
  const refresh = () => void qc.invalidateQueries({ queryKey: trpc.policies.proposals.pathKey() });
  const accept = useMutation(
    trpc.policies.acceptProposal.mutationOptions({
      onSuccess: (p) => {
        toast({ kind: 'success', title: `Accepted: ${p.agent}'s policy changed` });
        void qc.invalidateQueries({ queryKey: trpc.agents.byName.queryKey({ name: p.agent }) });
      },
      onSettled: refresh,
    }),
  );
  const reject = useMutation(
    trpc.policies.rejectProposal.mutationOptions({
      onSuccess: (p) => toast({ kind: 'info', title: `Rejected proposal #${p.id} for ${p.agent}` }),
      onSettled: refresh,
    }),
  );
  const proposals = data ?? [];
  if (proposals.length === 0) return null;
  const busy = accept.isPending || reject.isPending;
  return (
    <section className="card mb-6" aria-labelledby="proposals-title">
      <h2 id="proposals-title" className="mb-1 flex items-center gap-2 font-bold">
        <ScrollText className="size-4" aria-hidden /> Proposed policy changes
      </h2>
      <p className="mb-3 text-xs muted">
        An agent’s code asked for more than its policy allows. Nothing changes until an admin accepts.
      </p>
      <ul className="space-y-3" aria-label="Proposed policy changes">
        {proposals.map((p) => (
          <li key={p.id} data-testid="proposal" className="rounded-xl border border-neutral-200 p-3 dark:border-neutral-800">
            <p className="text-sm break-words">
              <Link to={`/agents/${encodeURIComponent(p.agent)}`} className="font-bold underline-offset-2 hover:underline">
                <SoftWrap text={p.agent} />
              </Link>{' '}
              <span className="muted">
                · proposal #{p.id} by {p.proposedBy} · <Ago iso={p.createdAt} now={now} /> · policy v{p.baseVersion}
              </span>
            </p>
            <ul className="mt-2 space-y-1 text-sm" aria-label={`Changes in proposal ${p.id}`}>
              {p.changes.map((c) => (
                <li key={c.action} className="flex flex-wrap items-center gap-2">
                  <span className="min-w-0 font-mono font-semibold break-words">
                    <SoftWrap text={c.action} />
                  </span>
                  <RuleChip rule={c.from} /> <span aria-label="becomes">→</span> <RuleChip rule={c.to} />
                </li>
              ))}
            </ul>
            {isAdmin ? (
              <div className="mt-3 flex flex-wrap gap-2">
                <button type="button" className="btn btn-allow" disabled={busy} onClick={() => accept.mutate({ id: p.id })}>
                  <Check className="size-4" aria-hidden /> Accept
                </button>
                <button type="button" className="btn btn-ghost" disabled={busy} onClick={() => reject.mutate({ id: p.id })}>
                  <X className="size-4" aria-hidden /> Reject
                </button>
              </div>
            ) : (
              <p className="mt-2 text-xs muted">An admin decides.</p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
