import { useQuery } from '@tanstack/react-query';
import { Bot } from 'lucide-react';
import { useTRPC } from '../lib/trpc';
import { AgentCard } from '../components/AgentCard';
import { EmptyState } from '../components/EmptyState';
import { ConnectAgent } from '../components/ConnectAgent';
import { PageHeader, QueryState } from '../components/QueryState';
import { RangePicker } from '../components/RangePicker';
import { rangeInput, useRange } from '../hooks/useRange';

const NO_CALLS = { calls: 0, allowed: 0, blocked: 0, review: 0 };

export function AgentsPage() {
  const trpc = useTRPC();
  const [range] = useRange();
  const agents = useQuery(trpc.agents.list.queryOptions());
  // calls per agent in the range, from the rollups (an agent without any is all zeros)
  const decisions = useQuery(trpc.analytics.decisions.queryOptions(rangeInput(range)));
  const inRange = new Map(decisions.data?.byAgent.map((a) => [a.agent, a]));
  const period = range.label.toLowerCase();
  const paused = agents.data?.filter((a) => a.status === 'PAUSED').length ?? 0;
  return (
    <>
      <PageHeader
        title="Agents"
        subtitle={agents.data ? `${agents.data.length} registered · ${paused} paused by the kill-switch` : 'Every agent registered through the SDK'}
        actions={<RangePicker />}
      />
      <QueryState query={agents} rows={3}>
        {agents.data?.length === 0 ? (
          <EmptyState title="No agents yet" icon={Bot} wide>
            Connect your first agent in three steps:
            <ConnectAgent />
          </EmptyState>
        ) : (
          <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 xl:grid-cols-3" role="list" aria-label="Agents">
            {agents.data?.map((a) => (
              <div role="listitem" key={a.name} className="contents">
                <AgentCard
                  agent={a}
                  inRange={decisions.data ? (inRange.get(a.name) ?? NO_CALLS) : undefined}
                  period={period}
                />
              </div>
            ))}
          </div>
        )}
      </QueryState>
    </>
  );
}
