import { Link } from 'react-router';
import type { RouterOutputs } from '../lib/trpc';
import { timeAgo } from '../lib/format';
import { AgentStatusBadge } from './StatusBadge';

type AgentSummary = RouterOutputs['agents']['list'][number];

/** Risk is the seed's blocked share of all actions; the bar turns red as it rises. */
export function RiskBar({ score }: { score: number }) {
  const tone = score >= 50 ? 'bg-block-ink' : score >= 20 ? 'bg-amber-500' : 'bg-allow';
  return (
    <div className="flex items-center gap-2">
      <div className="h-1.5 flex-1 overflow-hidden rounded-full bg-neutral-100 dark:bg-neutral-800" aria-hidden>
        <div className={`h-full rounded-full ${tone}`} style={{ width: `${Math.min(100, Math.max(score, 2))}%` }} />
      </div>
      <span className="w-14 text-right text-xs font-semibold tabular-nums">{score.toFixed(1)}%</span>
    </div>
  );
}

/** A tile is coloured only when it counts something: a red "0 blocked" reads as an alarm. */
const tile = (n: number, tone: string) => (n > 0 ? tone : 'bg-neutral-100 dark:bg-neutral-800');

/** Allowed + blocked + reviews + other = total: every counted entry is in exactly one tile. */
export function countsOf(agent: AgentSummary) {
  const reviews = agent.counts.PENDING ?? 0;
  const other = agent.totalLogs - agent.allowedCount - agent.blockedCount - reviews;
  return { reviews, other };
}

export function AgentCard({ agent }: { agent: AgentSummary }) {
  const { reviews, other } = countsOf(agent);
  return (
    <Link
      to={`/agents/${encodeURIComponent(agent.name)}`}
      data-testid="agent-card"
      className="card flex flex-col gap-3 transition-shadow hover:shadow-md"
      aria-label={`${agent.name}, ${agent.status === 'ACTIVE' ? 'active' : 'paused'}, risk ${agent.riskScore.toFixed(1)}%`}
    >
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="font-bold break-words">{agent.name}</p>
          <p className="font-mono text-xs muted">{agent.id}</p>
        </div>
        <AgentStatusBadge status={agent.status} />
      </div>
      {agent.description && <p className="line-clamp-2 text-sm muted">{agent.description}</p>}
      <div>
        <p className="mb-1 text-xs font-semibold muted">Risk score</p>
        <RiskBar score={agent.riskScore} />
      </div>
      <dl className="grid grid-cols-2 gap-2 text-center text-xs min-[420px]:grid-cols-4">
        <div className={`rounded-lg p-2 ${tile(agent.allowedCount, 'bg-allow-soft dark:bg-green-950')}`}>
          <dt className={agent.allowedCount ? 'text-allow-ink dark:text-green-300' : 'muted'}>Allowed</dt>
          <dd className="text-lg font-bold tabular-nums">{agent.allowedCount}</dd>
        </div>
        <div className={`rounded-lg p-2 ${tile(agent.blockedCount, 'bg-block-soft dark:bg-red-950')}`}>
          <dt className={agent.blockedCount ? 'text-block-ink dark:text-red-300' : 'muted'}>Blocked</dt>
          <dd className="text-lg font-bold tabular-nums">{agent.blockedCount}</dd>
        </div>
        <div className={`rounded-lg p-2 ${tile(reviews, 'bg-review-soft dark:bg-amber-950')}`}>
          <dt className={reviews ? 'text-review dark:text-amber-300' : 'muted'}>Reviews</dt>
          <dd className="text-lg font-bold tabular-nums">{reviews}</dd>
        </div>
        <div className="rounded-lg bg-neutral-100 p-2 dark:bg-neutral-800" title={other > 0 ? `${other} other: errors, kills, timeouts, violations` : undefined}>
          <dt className="muted">Total</dt>
          <dd className="text-lg font-bold tabular-nums">{agent.totalLogs}</dd>
        </div>
      </dl>
      {other > 0 && <p className="-mt-1 text-xs muted" data-testid="other-count">+ {other} other (errors, kills, timeouts)</p>}
      <p className="text-xs muted">
        {agent.owner ? `Owner ${agent.owner} · ` : ''}
        {agent.lastActivityAt ? `last active ${timeAgo(agent.lastActivityAt)}` : 'no activity yet'}
      </p>
    </Link>
  );
}
