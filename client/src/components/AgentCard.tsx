import { Link, useLocation } from 'react-router';
import type { RouterOutputs } from '../lib/trpc';
import { Ago } from './Ago';
import { AgentStatusBadge } from './StatusBadge';
import { rangeSearch } from '../hooks/useRange';
import { SoftWrap } from './SoftWrap';

type AgentSummary = RouterOutputs['agents']['list'][number];

/**
 * Risk: the share of the agent's calls, all time, that were blocked; the bar turns red as it
 * rises. Labelled and valued in words ("Risk 37.5% blocked"), and a named meter for a screen
 * reader: a bare coloured bar said nothing of what it measured. `label={null}` where a heading
 * beside it already names it.
 */
export function RiskBar({ score, label = 'Risk' }: { score: number; label?: string | null }) {
  const tone = score >= 50 ? 'bg-block-ink' : score >= 20 ? 'bg-amber-500' : 'bg-allow';
  const value = `${score.toFixed(1)}%`;
  return (
    <div
      role="meter"
      aria-label="Risk score"
      aria-valuenow={score}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuetext={`${value} of calls blocked`}
      data-testid="risk-bar"
      className="flex items-center gap-2 text-xs"
    >
      {label && <span className="shrink-0 font-semibold muted">{label}</span>}
      <div className="h-1.5 min-w-8 flex-1 overflow-hidden rounded-full bg-neutral-100 dark:bg-neutral-800">
        <div className={`h-full rounded-full ${tone}`} style={{ width: `${Math.min(100, Math.max(score, 2))}%` }} />
      </div>
      <span className="shrink-0 text-right tabular-nums">
        <span className="font-semibold">{value}</span> <span className="muted">blocked</span>
      </span>
    </div>
  );
}

/** A tile is coloured only when it counts something: a red "0 blocked" reads as an alarm. */
const tile = (n: number, tone: string) => (n > 0 ? tone : 'bg-neutral-100 dark:bg-neutral-800');

/** An agent's calls in the dashboard's range, by verdict (from `analytics.decisions`). */
export type RangeCounts = Pick<
  RouterOutputs['analytics']['decisions']['byAgent'][number],
  'calls' | 'allowed' | 'blocked' | 'review'
>;

/**
 * Allowed + blocked + reviews + other = total: every counted entry is in exactly one tile. With
 * `inRange`, the calls of the dashboard's range; without, the agent's whole history.
 */
export function countsOf(agent: AgentSummary, inRange?: RangeCounts) {
  const c = inRange
    ? { allowed: inRange.allowed, blocked: inRange.blocked, reviews: inRange.review, total: inRange.calls }
    : {
        allowed: agent.allowedCount,
        blocked: agent.blockedCount,
        reviews: agent.counts.PENDING ?? 0,
        total: agent.totalLogs,
      };
  return { ...c, other: c.total - c.allowed - c.blocked - c.reviews };
}

/** An agent at a glance; `inRange` (with its `period`, "last 24 hours") counts only that range. */
export function AgentCard({
  agent,
  inRange,
  period,
}: {
  agent: AgentSummary;
  inRange?: RangeCounts | undefined;
  period?: string | undefined;
}) {
  const { allowed, blocked, reviews, total, other } = countsOf(agent, inRange);
  const carry = rangeSearch(useLocation().search);
  return (
    <Link
      to={`/agents/${encodeURIComponent(agent.name)}${carry}`}
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
      <RiskBar score={agent.riskScore} label="Risk score" />
      {inRange && period && (
        <p className="-mb-2 text-xs font-semibold muted" data-testid="agent-card-period">
          Calls, {period}
        </p>
      )}
      <dl className="grid grid-cols-2 gap-2 text-center text-xs min-[420px]:grid-cols-4">
        <div className={`rounded-lg p-2 ${tile(allowed, 'bg-allow-soft dark:bg-green-950')}`}>
          <dt className={allowed ? 'text-allow-ink dark:text-green-300' : 'muted'}>Allowed</dt>
          <dd className="text-lg font-bold tabular-nums">{allowed}</dd>
        </div>
        <div className={`rounded-lg p-2 ${tile(blocked, 'bg-block-soft dark:bg-red-950')}`}>
          <dt className={blocked ? 'text-block-ink dark:text-red-300' : 'muted'}>Blocked</dt>
          <dd className="text-lg font-bold tabular-nums">{blocked}</dd>
        </div>
        <div className={`rounded-lg p-2 ${tile(reviews, 'bg-review-soft dark:bg-amber-950')}`}>
          <dt className={reviews ? 'text-review dark:text-amber-300' : 'muted'}>Reviews</dt>
          <dd className="text-lg font-bold tabular-nums">{reviews}</dd>
        </div>
        <div className="rounded-lg bg-neutral-100 p-2 dark:bg-neutral-800" title={other > 0 ? `${other} other: errors, kills, timeouts, violations` : undefined}>
          <dt className="muted">Total</dt>
          <dd className="text-lg font-bold tabular-nums">{total}</dd>
        </div>
      </dl>
      {other > 0 && <p className="-mt-1 text-xs muted" data-testid="other-count">+ {other} other (errors, kills, timeouts)</p>}
      <p className="text-xs break-words muted">
        {agent.owner && (
          <>
            Owner <SoftWrap text={agent.owner} /> ·{' '}
          </>
        )}
        {agent.lastActivityAt ? <>last active <Ago iso={agent.lastActivityAt} /></> : 'no activity yet'}
      </p>
    </Link>
  );
}
