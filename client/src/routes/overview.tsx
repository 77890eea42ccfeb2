import { useQuery } from '@tanstack/react-query';
import { Link, useLocation } from 'react-router';
import { Bell, Bot, Power } from 'lucide-react';
import { useTRPC } from '../lib/trpc';
import { activityLink } from '../lib/activityLink';
import { age } from '../lib/format';
import { useNow } from '../hooks/useNow';
import { StatCard } from '../components/StatCard';
import { FindingCounts } from '../components/FindingCounts';
import { LiveActivity } from '../components/LiveActivity';
import { TimelineChart, TopBlocked } from '../components/TimelineChart';
import { AgentStatusBadge } from '../components/StatusBadge';
import { RiskBar } from '../components/AgentCard';
import { PausedBy } from '../components/KillSwitch';
import { SoftWrap } from '../components/SoftWrap';
import { EmptyState } from '../components/EmptyState';
import { ConnectAgent } from '../components/ConnectAgent';
import { PageHeader, QueryState } from '../components/QueryState';
import { RangePicker } from '../components/RangePicker';
import { rangeInput, rangeSearch, useRange } from '../hooks/useRange';

const RISK_TONE = { LOW: 'good', MEDIUM: 'warn', HIGH: 'bad', CRITICAL: 'bad' } as const;

function PendingAlerts() {
  const trpc = useTRPC();
  const now = useNow();
  const { data } = useQuery(trpc.approvals.pending.queryOptions());
  if (!data || data.length === 0) return null;
  return (
    <section aria-labelledby="alerts-title" className="mb-6 rounded-2xl border border-amber-300 bg-review-soft p-4 dark:border-amber-800 dark:bg-amber-950">
      <h2 id="alerts-title" className="flex items-center gap-2 font-bold text-review dark:text-amber-300">
        <Bell className="size-4" aria-hidden />
        {data.length} {data.length === 1 ? 'action is' : 'actions are'} waiting for approval
      </h2>
      <ul className="mt-2 space-y-1 text-sm">
        {data.slice(0, 3).map((a) => (
          <li key={a.id} className="flex flex-wrap gap-x-2" data-testid="pending-alert">
            {/* min-w-0 and soft joints: a long agent or tool name wraps instead of widening the page */}
            <span className="min-w-0 font-semibold break-words">
              <SoftWrap text={a.agent} />
            </span>
            <span>wants</span>
            <span className="min-w-0 font-mono break-words">
              <SoftWrap text={a.action} />
            </span>
            <span className="muted">· waiting {age(a.createdAt, now)}</span>
          </li>
        ))}
      </ul>
      <Link to="/approvals" className="btn btn-primary mt-3">
        Review approvals
      </Link>
    </section>
  );
}

/**
 * Agents whose kill-switch is on, named at the top of the Overview with who stopped them and why:
 * "1 paused" in a tile was easy to miss, and whoever takes over must know before resuming.
 */
function PausedAlert({ agents }: { agents: Array<{ name: string; status: 'ACTIVE' | 'PAUSED' }> | undefined }) {
  const paused = agents?.filter((a) => a.status === 'PAUSED') ?? [];
  if (paused.length === 0) return null;
  return (
    <section
      aria-labelledby="paused-title"
      data-testid="paused-alert"
      className="mb-6 rounded-2xl border border-red-300 bg-block-soft p-4 dark:border-red-900 dark:bg-red-950"
    >
      <h2 id="paused-title" className="flex items-center gap-2 font-bold text-block-ink dark:text-red-300">
        <Power className="size-4" aria-hidden />
        Kill-switch on: {paused.length === 1 ? '1 agent is' : `${paused.length} agents are`} stopped, every call refused
      </h2>
      <ul className="mt-2 space-y-1 text-sm">
        {paused.map((a) => (
          <li key={a.name} className="flex flex-wrap items-baseline gap-x-2">
            <Link to={`/agents/${encodeURIComponent(a.name)}`} className="font-semibold underline underline-offset-2">
              <SoftWrap text={a.name} />
            </Link>
            <PausedBy name={a.name} status={a.status} />
          </li>
        ))}
      </ul>
    </section>
  );
}

type InRange = { blocked: number; killed: number; review: number; calls: number };
const NO_CALLS: InRange = { blocked: 0, killed: 0, review: 0, calls: 0 };

/** Most trouble first: stopped agents, then the most blocked calls in the range, then reviews. */
function byTrouble(inRange: Map<string, InRange>) {
  return (a: { name: string; status: string }, b: { name: string; status: string }) => {
    const x = inRange.get(a.name) ?? NO_CALLS;
    const y = inRange.get(b.name) ?? NO_CALLS;
    return (
      Number(b.status === 'PAUSED') - Number(a.status === 'PAUSED') ||
      y.blocked - x.blocked ||
      y.review - x.review ||
      a.name.localeCompare(b.name)
    );
  };
}

export function OverviewPage() {
  const trpc = useTRPC();
  const [range] = useRange();
  const stats = useQuery(trpc.stats.get.queryOptions());
  const timeline = useQuery(trpc.stats.timeline.queryOptions(rangeInput(range)));
  // The range's blocks come from its chart (policy BLOCKED only: the kill-switch's refusals are
  // KILLED, counted apart); the risk level stays the seed's 24-hour measure of the same thing.
  const sum = (key: 'allowed' | 'blocked' | 'review' | 'killed') =>
    timeline.data?.buckets.reduce((n, b) => n + b[key], 0);
  const blocks = sum('blocked');
  const killed = sum('killed') ?? 0;
  const calls = timeline.data?.buckets.reduce(
    (n, b) => n + b.allowed + b.blocked + b.review + b.killed,
    0,
  );
  // The chart's first bucket starts on the hour (or day) before the range: so does the count.
  const since = timeline.data?.buckets[0]?.start;
  const span = range.label.toLowerCase();
  const carry = rangeSearch(useLocation().search);
  const agents = useQuery(trpc.agents.list.queryOptions());
  // Each agent's calls in the range, so the one misbehaving now is on top (all-time risk hid it).
  const decisions = useQuery(trpc.analytics.decisions.queryOptions(rangeInput(range)));
  const inRange = new Map<string, InRange>(decisions.data?.byAgent.map((a) => [a.agent, a]));
  const ranked = agents.data ? [...agents.data].sort(byTrouble(inRange)) : undefined;
  const s = stats.data;

  return (
    <>
      <PageHeader
        title="Overview"
        subtitle="Every tool call your agents attempt, decided and recorded before it runs."
        actions={<RangePicker />}
      />
      <PausedAlert agents={agents.data} />
      <PendingAlerts />
      <QueryState query={stats} rows={1}>
        {s && (
          <div className="mb-6 grid grid-cols-2 gap-3 lg:grid-cols-5">
            <StatCard label="Registered agents" value={s.registeredAgents} />
            <StatCard label="Active agents" value={s.activeAgents} tone="good" hint={`${s.registeredAgents - s.activeAgents} paused`} />
            <StatCard
              label="Blocked by policy"
              value={blocks ?? '…'}
              tone={blocks ? 'bad' : 'plain'}
              hint={`of ${calls ?? 0} decisions, ${span}${killed ? ` · ${killed} more refused by the kill-switch` : ''}`}
              link={since ? { to: activityLink({ from: since, status: ['BLOCKED'] }), label: 'See them in Activity' } : undefined}
            />
            <StatCard label="Pending approvals" value={s.pendingApprovals} tone={s.pendingApprovals > 0 ? 'warn' : 'plain'} />
            <StatCard
              label="Risk level"
              value={s.riskLevel}
              tone={RISK_TONE[s.riskLevel]}
              hint={`from ${s.blocks24h} blocked by policy in the last 24 h`}
              className="col-span-2 lg:col-span-1"
            />
          </div>
        )}
      </QueryState>

      <div className="mb-6 grid grid-cols-1 gap-4 lg:grid-cols-3">
        <section className="card lg:col-span-2" aria-labelledby="chart-title">
          <h2 id="chart-title" className="mb-3 font-bold">Decisions, {span}</h2>
          <QueryState query={timeline} rows={2}>
            {timeline.data && <TimelineChart timeline={timeline.data} />}
          </QueryState>
        </section>
        <section className="card" aria-labelledby="blocked-title">
          <h2 id="blocked-title" className="mb-3 font-bold">Most-blocked actions</h2>
          {timeline.data && <TopBlocked items={timeline.data.topBlocked} from={timeline.data.buckets[0]?.start} />}
          <h2 id="findings-title" className="mt-5 mb-3 font-bold">Sensitive data seen, {span}</h2>
          {timeline.data && <FindingCounts items={timeline.data.findings} from={since} />}
        </section>
      </div>

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <section className="card" aria-labelledby="agents-title">
          <div className="mb-2 flex items-center justify-between">
            <h2 id="agents-title" className="font-bold">Agents</h2>
            <Link to={`/agents${carry}`} className="text-sm font-semibold underline-offset-2 hover:underline">
              All agents
            </Link>
          </div>
          <QueryState query={agents}>
            {agents.data?.length === 0 ? (
              <EmptyState title="No agents yet" icon={Bot} wide>
                Connect your first agent in three steps:
                <ConnectAgent />
              </EmptyState>
            ) : (
              <ul className="divide-y divide-neutral-100 dark:divide-neutral-800" aria-label="Agents">
                {ranked?.map((a) => (
                  <li key={a.name} data-testid="overview-agent" className="flex flex-wrap items-center gap-3 py-2.5">
                    <div className="min-w-0 flex-1">
                      <Link to={`/agents/${encodeURIComponent(a.name)}${carry}`} className="font-semibold break-words underline-offset-2 hover:underline">
                        <SoftWrap text={a.name} />
                      </Link>
                      {decisions.data && <AgentInRange name={a.name} counts={inRange.get(a.name) ?? NO_CALLS} since={since} span={span} />}
                    </div>
                    <div className="order-last w-full sm:order-none sm:w-48">
                      <RiskBar score={a.riskScore} />
                    </div>
                    <AgentStatusBadge status={a.status} />
                  </li>
                ))}
              </ul>
            )}
          </QueryState>
        </section>
        <LiveActivity carry={carry} />
      </div>
    </>
  );
}

/** "3 blocked · 8 calls, last 24 hours", the blocked ones a link to them in Activity. */
function AgentInRange({ name, counts, since, span }: { name: string; counts: InRange; since?: string; span: string }) {
  return (
    <p className="text-xs muted" data-testid="agent-in-range">
      {counts.blocked > 0 ? (
        <Link
          to={activityLink({ agent: name, status: ['BLOCKED'], from: since })}
          className="font-semibold text-block-ink underline underline-offset-2 dark:text-red-400"
        >
          {counts.blocked} blocked
        </Link>
      ) : (
        '0 blocked'
      )}
      {counts.review > 0 && ` · ${counts.review} ${counts.review === 1 ? 'review' : 'reviews'}`}
      {` · ${counts.calls} ${counts.calls === 1 ? 'call' : 'calls'}, ${span}`}
    </p>
  );
}
