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

export function AgentCard({ agent }: { agent: AgentSummary }) {
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
      <dl className="grid grid-cols-3 gap-2 text-center text-xs">
        <div className="rounded-lg bg-allow-soft p-2 dark:bg-green-950">
          <dt className="text-allow-ink dark:text-green-300">Allowed</dt>
          <dd className="text-lg font-bold tabular-nums">{agent.allowedCount}</dd>
        </div>
        <div className="rounded-lg bg-block-soft p-2 dark:bg-red-950">
          <dt className="text-block-ink dark:text-red-300">Blocked</dt>
          <dd className="text-lg font-bold tabular-nums">{agent.blockedCount}</dd>
        </div>
        <div className="rounded-lg bg-neutral-100 p-2 dark:bg-neutral-800">
          <dt className="muted">Total</dt>
          <dd className="text-lg font-bold tabular-nums">{agent.totalLogs}</dd>
        </div>
      </dl>
      <p className="text-xs muted">
        {agent.owner ? `Owner ${agent.owner} · ` : ''}
        {agent.lastActivityAt ? `last active ${timeAgo(agent.lastActivityAt)}` : 'no activity yet'}
      </p>
    </Link>
  );
}
