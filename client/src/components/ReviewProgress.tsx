import { BellRing, Users } from 'lucide-react';
import { Ago } from './Ago';
import type { Approval } from './ApprovalCard';

/**
 * Issue 23 on the card: who approved so far when the rule needs several people, and whether the
 * SLA lapsed and the next tier was told ("escalated to on-call 3 min ago").
 */
export function ReviewProgress({ approval: a, now }: { approval: Approval; now: number }) {
  const quorum = a.quorum ?? 1;
  if (quorum <= 1 && !a.escalatedAt) return null;
  return (
    <p
      data-testid="review-progress"
      className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs font-semibold"
    >
      {quorum > 1 && (
        <span className="inline-flex items-center gap-1">
          <Users className="size-3.5 shrink-0" aria-hidden />
          {a.votes?.length ?? 0} of {quorum} approvals
          {a.votes?.length ? (
            <span className="font-normal muted">
              {' · '}
              {a.votes.map((v, i) => (
                <span key={v.by}>
                  {i > 0 && ', '}
                  {v.by} <Ago iso={v.at} now={now} />
                </span>
              ))}
            </span>
          ) : null}
          <span className="font-normal muted">
            {' · '}
            {quorum} different people must approve; one deny refuses it
          </span>
        </span>
      )}
      {a.escalatedAt && (
        <span className="inline-flex items-center gap-1 text-review">
          <BellRing className="size-3.5 shrink-0" aria-hidden />
          escalated to {(a.escalatedTo ?? []).join(', ')} <Ago iso={a.escalatedAt} now={now} />
        </span>
      )}
    </p>
  );
}
