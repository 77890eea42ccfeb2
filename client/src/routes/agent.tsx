import { useQuery } from '@tanstack/react-query';
import { Link, useLocation, useParams } from 'react-router';
import { ChevronLeft } from 'lucide-react';
import { useTRPC, type RouterOutputs } from '../lib/trpc';
import { liveFeedStore, mergeEntries } from '../lib/liveFeed';
import { useStore } from '../lib/store';
import { errorCode } from '../lib/errors';
import { dateTime } from '../lib/format';
import { usePrincipal } from '../hooks/usePrincipal';
import { ActivityFeed } from '../components/ActivityFeed';
import { KillSwitch } from '../components/KillSwitch';
import { PolicyEditor } from '../components/PolicyEditor';
import { RulesPanel } from '../components/rules/RulesPanel';
import { AgentStatusBadge } from '../components/StatusBadge';
import { RiskBar } from '../components/AgentCard';
import { SoftWrap } from '../components/SoftWrap';
import { ToolsUsed } from '../components/ToolsUsed';
import { EmptyState } from '../components/EmptyState';
import { PageHeader, QueryState } from '../components/QueryState';
import { RangePicker } from '../components/RangePicker';
import { rangeInput, rangeSearch, useRange } from '../hooks/useRange';

type Totals = RouterOutputs['analytics']['decisions']['totals'];

/** The agent's calls in the range by verdict (the profile below counts its whole history). */
function RangeTotals({ totals }: { totals: Totals | undefined }) {
  // Blocked counts what the policy blocked, as on the Agents cards and in the profile; calls the
  // kill-switch refused are counted apart, when there are any.
  const cells: Array<[string, number | undefined, string]> = [
    ['Calls', totals?.calls, ''],
    ['Allowed', totals?.allowed, 'text-allow-ink dark:text-allow'],
    ['Blocked', totals?.blocked, 'text-block-ink dark:text-red-400'],
    ['Reviews', totals?.review, 'text-review dark:text-amber-300'],
    ...(totals?.killed ? [['Killed', totals.killed, 'text-killed dark:text-fuchsia-300'] as [string, number, string]] : []),
  ];
  return (
    <dl className="grid grid-cols-2 gap-4 text-sm sm:grid-cols-4" data-testid="range-totals">
      {cells.map(([label, n, tone]) => (
        <div key={label}>
          <dt className="text-xs muted">{label}</dt>
          <dd className={`text-lg font-bold tabular-nums ${n ? tone : ''}`}>{n ?? '…'}</dd>
        </div>
      ))}
    </dl>
  );
}

export function AgentPage() {
  const { name = '' } = useParams();
  const trpc = useTRPC();
  const { canReview, isAdmin } = usePrincipal();
  const [range] = useRange();
  const detail = useQuery(trpc.agents.byName.queryOptions({ name }));
  const decisions = useQuery(
    trpc.analytics.decisions.queryOptions({ ...rangeInput(range), agent: name }),
  );
  const period = range.label.toLowerCase();
  const carry = rangeSearch(useLocation().search);
  const byTool = decisions.data
    ? new Map(decisions.data.byAction.map((a) => [a.action, a.calls]))
    : undefined;
  const history = useQuery(trpc.audit.list.queryOptions({ agent: name, limit: 30 }));
  const live = useStore(liveFeedStore).filter((e) => e.agent === name);
  const feed = mergeEntries(live, history.data?.entries ?? []);

  if (errorCode(detail.error) === 'NOT_FOUND') {
    return (
      <EmptyState title={`No agent called “${name}”`}>
        <Link to="/agents" className="underline">Back to all agents</Link>
      </EmptyState>
    );
  }

  const d = detail.data;
  return (
    <>
      <Link to={`/agents${carry}`} className="mb-3 inline-flex items-center gap-1 text-sm font-semibold muted hover:underline">
        <ChevronLeft className="size-4" aria-hidden /> All agents
      </Link>
      <QueryState query={detail} rows={4}>
        {d && (
          <>
            <PageHeader
              docTitle={d.agent.name}
              title={
                <span className="flex flex-wrap items-center gap-3">
                  {/* a flex item keeps its longest word's width unless told: a long name wraps at its joints */}
                  <span className="min-w-0 break-words">
                    <SoftWrap text={d.agent.name} />
                  </span>{' '}
                  <AgentStatusBadge status={d.agent.status} />
                </span>
              }
              subtitle={d.agent.description || undefined}
              actions={
                <div className="flex flex-wrap items-center gap-3">
                  <RangePicker />
                  <KillSwitch name={d.agent.name} status={d.agent.status} canFlip={canReview} />
                </div>
              }
            />
            <section className="card mb-4" aria-labelledby="range-title">
              <h2 id="range-title" className="mb-3 font-bold">
                Calls, {period}
              </h2>
              <RangeTotals totals={decisions.data?.totals} />
            </section>
            <section className="card mb-4" aria-label="Profile">
              <dl className="grid grid-cols-2 gap-4 text-sm sm:grid-cols-4">
                <div><dt className="text-xs muted">Agent id</dt><dd className="font-mono">{d.agent.id}</dd></div>
                <div><dt className="text-xs muted">Owner</dt><dd className="break-words">{d.agent.owner ? <SoftWrap text={d.agent.owner} /> : '—'}</dd></div>
                <div><dt className="text-xs muted">Framework</dt><dd>{d.agent.framework}</dd></div>
                <div><dt className="text-xs muted">Registered</dt><dd>{dateTime(d.agent.createdAt)}</dd></div>
                <div><dt className="text-xs muted">Actions, all time</dt><dd className="tabular-nums">{d.agent.totalLogs}</dd></div>
                <div><dt className="text-xs muted">Allowed, all time</dt><dd className="tabular-nums text-allow-ink dark:text-allow">{d.agent.allowedCount}</dd></div>
                <div><dt className="text-xs muted">Blocked, all time</dt><dd className="tabular-nums text-block-ink dark:text-red-400">{d.agent.blockedCount}</dd></div>
                <div><dt className="text-xs muted">Risk score, all time</dt><dd><RiskBar score={d.agent.riskScore} label={null} /></dd></div>
              </dl>
            </section>
            <section className="card mb-4" aria-labelledby="policy-title">
              <h2 id="policy-title" className="mb-3 font-bold">
                Policy {!isAdmin && <span className="text-xs font-normal muted">(only admins can edit)</span>}
              </h2>
              <PolicyEditor policy={d.policyView} editable={isAdmin} />
            </section>
            <section className="card mb-4" aria-labelledby="rules-title">
              <h2 id="rules-title" className="mb-3 font-bold">Conditional rules</h2>
              <RulesPanel agent={d.agent.name} />
            </section>
            <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
              <section className="card" aria-labelledby="tools-title">
                <h2 id="tools-title" className="mb-2 font-bold">Tools used</h2>
                <ToolsUsed detail={d} inRange={byTool} />
              </section>
              <section className="card" aria-labelledby="agent-feed-title">
                <h2 id="agent-feed-title" className="mb-2 font-bold">Live feed</h2>
                {feed.length === 0 ? (
                  <p className="text-sm muted">No decisions yet. They appear here as the agent works.</p>
                ) : (
                  <ActivityFeed entries={feed} showAgent={false} label={`Activity of ${d.agent.name}`} />
                )}
              </section>
            </div>
          </>
        )}
      </QueryState>
    </>
  );
}
