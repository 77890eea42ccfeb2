import { useQuery } from '@tanstack/react-query';
import { SoftWrap } from './SoftWrap';
import { Link } from 'react-router';
import { useTRPC } from '../lib/trpc';
import { liveFeedStore, mergeEntries } from '../lib/liveFeed';
import { useStore } from '../lib/store';
import { Ago } from './Ago';

const TONE = {
  APPROVED: 'text-allow-ink dark:text-allow',
  DENIED: 'text-block-ink dark:text-red-400',
  EXPIRED: 'text-neutral-600 dark:text-neutral-400',
  PENDING: 'text-review dark:text-amber-400',
} as const;

/** The last decisions people made, and by whom: the queue's memory. */
export function RecentDecisions({ now }: { now: number }) {
  const trpc = useTRPC();
  const { data } = useQuery(trpc.approvals.list.queryOptions({ limit: 20 }));
  const decided = (data?.approvals ?? []).filter((a) => a.status !== 'PENDING').slice(0, 10);
  // "Always allow/block" leaves a POLICY entry naming the approval: show the rule it made.
  const rules = useQuery(trpc.audit.list.queryOptions({ status: ['POLICY'], limit: 50 }));
  const live = useStore(liveFeedStore);
  const ruleOf = new Map(
    mergeEntries(live, rules.data?.entries ?? [])
      .filter((e) => e.status === 'POLICY' && e.approvalId !== null)
      .map((e) => [e.approvalId!, e]),
  );
  if (decided.length === 0) return null;
  return (
    <section className="card mt-6" aria-labelledby="recent-title">
      <h2 id="recent-title" className="mb-2 font-bold">Recently decided</h2>
      <ul className="divide-y divide-neutral-100 text-sm dark:divide-neutral-800" aria-label="Recently decided approvals">
        {decided.map((a) => (
          // The status in its own column and the rest wrapping beside it; the "·" between the
          // rest only where they share a line (a phone's wrapped line began "· agent").
          <li key={a.id} className="flex items-baseline gap-x-2 py-2">
            <span className={`w-20 shrink-0 text-xs font-bold ${TONE[a.status]}`}>{a.status}</span>
            <div className="flex min-w-0 flex-1 flex-wrap items-baseline gap-x-2">
              <span className="min-w-0 font-mono font-semibold break-words">
                <SoftWrap text={a.action} />
              </span>
              <span className="min-w-0 break-words muted">
                <Dot />
                <SoftWrap text={a.agent} />
              </span>
              {a.pausedRun && (
                <span data-testid="run-state" className="text-xs muted">
                  <Dot />
                  {a.pausedRun.resumedAt ? <>run resumed <Ago iso={a.pausedRun.resumedAt} now={now} /></> : 'run still paused'}
                </span>
              )}
              {ruleOf.get(a.id) && (
                <Link to={`/activity/${ruleOf.get(a.id)!.id}`} data-testid="created-rule" className="text-xs font-semibold underline-offset-2 hover:underline">
                  <Dot />
                  rule created: {ruleOf.get(a.id)!.details.split(' by ')[0]}
                </Link>
              )}
              {a.editedArgs && (
                <span data-testid="edited-args-note" className="text-xs font-semibold">
                  <Dot />
                  {a.consumedAt ? 'ran with edited arguments' : 'approved with edited arguments'}
                </span>
              )}
              {a.comment && (
                <span className="text-xs muted">
                  <Dot />“{a.comment}”
                </span>
              )}
              <span className="ml-auto text-xs muted">
                {decidedByText(a)}
                {a.decidedAt ? <Ago iso={a.decidedAt} now={now} /> : ''}
              </span>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The separator between a decision's facts, left out on a phone, where each may start a line. */
function Dot() {
  return (
    <span aria-hidden className="max-sm:hidden">
      ·{' '}
    </span>
  );
}

/** Who ended it: a person for APPROVED/DENIED; for EXPIRED, the caller that stopped waiting, or nobody. */
function decidedByText(a: { status: string; decidedBy?: string | null }): string {
  if (a.status === 'EXPIRED') return a.decidedBy ? `the caller stopped waiting (${a.decidedBy}) ` : 'no decision in time ';
  return a.decidedBy ? `by ${a.decidedBy} ` : '';
}
