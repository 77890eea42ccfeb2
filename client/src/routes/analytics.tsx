import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useNavigate } from 'react-router';
import { useTRPC } from '../lib/trpc';
import { activityLink } from '../lib/activityLink';
import { stamp } from '../lib/format';
import { rangeInput, useRange } from '../hooks/useRange';
import { RangePicker } from '../components/RangePicker';
import { DecisionsChart, VERDICT_SERIES } from '../components/charts/DecisionsChart';
import { StatCard } from '../components/StatCard';
import { PageHeader, QueryState } from '../components/QueryState';
import { isOtherActions, OtherActionsName } from '../components/OtherActions';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3600_000).toFixed(1)} h`;
}

/** Characters of an agent's name that fit the per-agent chart's 110 px axis at 11 px. */
const AGENT_TICK_CHARS = 16;

/**
 * An agent's name on the per-agent chart: its start, cut with an ellipsis when long, and the
 * whole name on hover. (Drawn as is, a long name lost its start off the chart's left edge:
 * "…on-assistant-eu-west", which other agents' names may end with too.)
 */
function AgentTick({
  x,
  y,
  payload,
}: {
  x?: number | string;
  y?: number | string;
  payload?: { value?: unknown };
}) {
  const name = typeof payload?.value === 'string' ? payload.value : '';
  const shown = name.length > AGENT_TICK_CHARS ? `${name.slice(0, AGENT_TICK_CHARS - 1)}…` : name;
  return (
    <text x={x} y={y} dy={4} textAnchor="end" fontSize={11} fill="currentColor" data-agent={name}>
      <title>{name}</title>
      {shown}
    </text>
  );
}

/** Behaviour over time from the server's rollups: verdicts, agents, actions, approvals, rules, DLP and anomalies. */
export function AnalyticsPage() {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const [range] = useRange();
  const [search] = useSearchParams();
  const input = rangeInput(range);
  const decisions = useQuery(trpc.analytics.decisions.queryOptions(input));
  const approvals = useQuery(trpc.analytics.approvals.queryOptions(input));
  const rules = useQuery(trpc.analytics.rules.queryOptions(input));
  const dlp = useQuery(trpc.analytics.dlp.queryOptions(input));
  const anomalies = useQuery(trpc.analytics.anomalies.queryOptions(input));
  const focused = search.get('anomaly');
  const d = decisions.data;
  const span = d ? { from: d.from, to: d.to } : {};

  return (
    <>
      <PageHeader
        title="Analytics"
        subtitle={`Behaviour of your agents, ${range.label.toLowerCase()}.`}
        actions={<RangePicker />}
      />
      <QueryState query={decisions} rows={2}>
        {d && (
          <>
            <div className="mb-6 grid grid-cols-2 gap-3 lg:grid-cols-4">
              <StatCard label="Calls" value={d.totals.calls} />
              <StatCard
                label="Blocked or killed"
                value={pct(d.totals.blockRate)}
                tone={d.totals.blockRate > 0 ? 'bad' : 'plain'}
                hint={`${d.totals.blocked + d.totals.killed} of ${d.totals.calls} calls: ${d.totals.blocked} blocked by policy, ${d.totals.killed} refused by the kill-switch`}
              />
              <StatCard
                label="Review rate"
                value={pct(d.totals.reviewRate)}
                tone={d.totals.reviewRate > 0 ? 'warn' : 'plain'}
                hint={`${d.totals.review} held for a person`}
              />
              <StatCard
                label="Time to decision (p50)"
                value={upTo(approvals.data?.latency.p50Ms ?? null)}
                hint={`${approvals.data?.decided ?? 0} decided by people; from a histogram, so an upper bound`}
              />
            </div>
            <section className="card mb-6" aria-labelledby="over-time">
              <h2 id="over-time" className="mb-3 font-bold">
                Decisions over time{' '}
                <span className="text-xs font-normal muted">per {d.granularity}</span>
              </h2>
              <DecisionsChart buckets={d.series} bucketMs={d.bucketMs} height={260} />
            </section>
            <div className="mb-6 grid grid-cols-1 gap-4 lg:grid-cols-2">
              <section className="card" aria-labelledby="per-agent">
                <h2 id="per-agent" className="mb-3 font-bold">
                  Per agent
                </h2>
                <VerdictLegend totals={d.totals} span={span} />
                <div
                  style={{ height: Math.max(120, d.byAgent.length * 36 + 40) }}
                  data-testid="agents-chart"
                  role="img"
                  aria-label={`Calls per agent by verdict: ${d.byAgent
                    .map(
                      (a) =>
                        `${a.agent}: ${VERDICT_SERIES.map((s) => `${a[s.key]} ${s.label.toLowerCase()}`).join(', ')}`,
                    )
                    .join('; ')}`}
                >
                  <ResponsiveContainer width="100%" height="100%">
                    <BarChart data={d.byAgent} layout="vertical" margin={{ left: 8, right: 8 }}>
                      <CartesianGrid
                        horizontal={false}
                        stroke="currentColor"
                        strokeOpacity={0.12}
                      />
                      <XAxis
                        type="number"
                        allowDecimals={false}
                        tick={{ fontSize: 11, fill: 'currentColor' }}
                      />
                      <YAxis type="category" dataKey="agent" width={110} tick={AgentTick} />
                      <Tooltip />
                      {VERDICT_SERIES.map((s) => (
                        <Bar
                          key={s.key}
                          dataKey={s.key}
                          name={s.label}
                          stackId="v"
                          fill={s.color}
                          cursor="pointer"
                          isAnimationActive={false}
                          onClick={(row) => {
                            const agent = (row as { payload?: { agent?: string } }).payload?.agent;
                            if (agent)
                              void navigate(activityLink({ ...span, agent, status: [s.status] }));
                          }}
                        />
                      ))}
                    </BarChart>
                  </ResponsiveContainer>
                </div>
              </section>
              <section className="card overflow-x-auto" aria-labelledby="per-action">
                <h2 id="per-action" className="mb-3 font-bold">
                  Per action
                </h2>
                <table className="w-full text-sm">
                  <thead className="text-left text-xs muted">
                    <tr>
                      <th className="py-1">Agent · action</th>
                      <th className="pl-3 text-right">Calls</th>
                      <th
                        className="pl-3 text-right"
                        title="Share of calls blocked by policy or refused by the kill-switch"
                      >
                        Blocked or killed
                      </th>
                      <th className="pl-3 text-right" title="Share of calls held for a person">
                        Review
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.byAction.slice(0, 12).map((a) => (
                      <tr
                        key={`${a.agent}/${a.action}`}
                        className="border-t border-neutral-100 dark:border-neutral-800"
                      >
                        <td className="py-1.5 wrap-anywhere">
                          {isOtherActions(a.action) ? (
                            // no entry has this name: the agent's calls in the span are the sensible filter
                            <Link
                              className="underline-offset-2 hover:underline"
                              to={activityLink({ ...span, agent: a.agent })}
                            >
                              {a.agent} · <OtherActionsName className="inline-block align-top" />
                            </Link>
                          ) : (
                            <Link
                              className="underline-offset-2 hover:underline"
                              to={activityLink({ ...span, agent: a.agent, action: a.action })}
                            >
                              {a.agent} · <span className="font-mono">{a.action}</span>
                            </Link>
                          )}
                        </td>
                        <td className="pl-3 text-right tabular-nums">{a.calls}</td>
                        <td className="pl-3 text-right tabular-nums">{pct(a.blockRate)}</td>
                        <td className="pl-3 text-right tabular-nums">{pct(a.reviewRate)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
            </div>
          </>
        )}
      </QueryState>

      <div className="mb-6 grid grid-cols-1 gap-4 lg:grid-cols-3">
        <section className="card" aria-labelledby="reviewers">
          <h2 id="reviewers" className="mb-1 font-bold">
            Approvals
          </h2>
          {approvals.data && (
            <>
              <p className="mb-3 text-sm muted">
                {approvals.data.approved} approved · {approvals.data.denied} denied · mean{' '}
                {duration(approvals.data.latency.meanMs)} · p90 {upTo(approvals.data.latency.p90Ms)}
              </p>
              <ul aria-label="Reviewer workload" className="space-y-1 text-sm">
                {approvals.data.reviewers.length === 0 && (
                  <li className="muted">No decisions by people in this range.</li>
                )}
                {approvals.data.reviewers.map((r) => (
                  <li key={r.reviewer} className="flex justify-between gap-2">
                    <span className="truncate">{r.reviewer || 'unknown'}</span>
                    <span className="tabular-nums">
                      {r.decided} · {duration(r.meanMs)}
                    </span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
        <section className="card" aria-labelledby="top-rules">
          <h2 id="top-rules" className="mb-3 font-bold">
            Top rules
          </h2>
          <ol className="space-y-1 text-sm" aria-label="Rules that decided the most calls">
            {rules.data?.rules.length === 0 && (
              <li className="muted">No rule decided a call in this range.</li>
            )}
            {rules.data?.rules.slice(0, 8).map((r) => (
              <li key={`${r.scope}:${r.rule}`} className="flex justify-between gap-2">
                <span className="truncate font-mono" title={`${r.scope} rule`}>
                  {r.rule}
                </span>
                <span className="tabular-nums">
                  {r.calls}
                  {r.blocked > 0 && (
                    <span className="text-block-ink dark:text-red-400"> · {r.blocked} blocked</span>
                  )}
                </span>
              </li>
            ))}
          </ol>
        </section>
        <section className="card" aria-labelledby="dlp">
          <h2 id="dlp" className="font-bold">
            Sensitive data in arguments
          </h2>
          {/* The Overview's chips count results too; these are what agents tried to send. */}
          <p className="mb-3 text-xs muted">Calls whose arguments held it, by detector</p>
          <ul className="space-y-1 text-sm" aria-label="DLP findings by detector">
            {dlp.data?.detectors.length === 0 && (
              <li className="muted">Nothing found in this range.</li>
            )}
            {dlp.data?.detectors.map((x) => (
              <li key={x.detector} className="flex justify-between gap-2">
                <span className="font-mono">{x.detector}</span>
                <span className="tabular-nums">
                  {x.calls} call{x.calls === 1 ? '' : 's'} · {x.findings} match
                  {x.findings === 1 ? '' : 'es'}
                </span>
              </li>
            ))}
          </ul>
        </section>
      </div>

      <section className="card" aria-labelledby="anomalies">
        <h2 id="anomalies" className="mb-3 font-bold">
          Anomalies
        </h2>
        <QueryState query={anomalies}>
          {anomalies.data?.anomalies.length === 0 ? (
            <p className="text-sm muted">
              Nothing unusual in this range: every agent stayed within its baseline.
            </p>
          ) : (
            <ul
              className="divide-y divide-neutral-100 dark:divide-neutral-800"
              aria-label="Anomalies"
            >
              {anomalies.data?.anomalies.map((a) => {
                const hour = new Date(a.hour);
                return (
                  <li
                    key={a.id}
                    id={`anomaly-${a.id}`}
                    className={`py-2 text-sm ${focused === a.id ? 'rounded-lg bg-review-soft px-2 dark:bg-amber-950' : ''}`}
                  >
                    <div className="flex flex-wrap items-baseline gap-x-2">
                      <span className="rounded bg-neutral-100 px-1.5 text-xs font-semibold dark:bg-neutral-800">
                        {a.kind.replace('_', ' ')}
                      </span>
                      <Link
                        className="font-semibold underline-offset-2 hover:underline"
                        to={activityLink({
                          agent: a.agent,
                          action: a.action,
                          from: a.hour,
                          to: new Date(hour.getTime() + 3600_000).toISOString(),
                        })}
                      >
                        {a.agent} · <span className="font-mono">{a.action}</span>
                      </Link>
                      <span className="muted">{stamp(hour.toISOString())}</span>
                      <Link
                        className="ml-auto text-xs muted underline-offset-2 hover:underline"
                        to={`/analytics?anomaly=${encodeURIComponent(a.id)}`}
                      >
                        link
                      </Link>
                    </div>
                    <p>{a.summary}</p>
                    <p className="text-xs muted tabular-nums">
                      observed {a.evidence.observed} · expected {a.evidence.expected} · threshold{' '}
                      {a.evidence.threshold} · {a.evidence.historyHours} h of history · score{' '}
                      {a.score.toFixed(2)}
                    </p>
                  </li>
                );
              })}
            </ul>
          )}
        </QueryState>
      </section>
    </>
  );
}

/**
 * The per-agent chart's key: each verdict's colour swatch, name and total in the range, as links
 * to those calls in Activity — the keyboard's and a screen reader's way to what a bar's click
 * opens (the bars themselves take only a mouse).
 */
function VerdictLegend({
  totals,
  span,
}: {
  totals: Record<(typeof VERDICT_SERIES)[number]['key'], number>;
  span: { from?: string; to?: string };
}) {
  return (
    <ul
      className="mb-2 flex flex-wrap gap-x-4 gap-y-1 text-xs"
      aria-label="Verdicts (chart legend)"
    >
      {VERDICT_SERIES.map((s) => (
        <li key={s.key}>
          <Link
            to={activityLink({ ...span, status: [s.status] })}
            className="inline-flex items-center gap-1.5 underline-offset-2 hover:underline"
            data-testid="legend-item"
          >
            <span
              className="inline-block size-3 rounded-sm"
              style={{ background: s.color }}
              data-color={s.color}
              aria-hidden
            />
            {s.label} <span className="tabular-nums muted">{totals[s.key]}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

/**
 * A percentile read off the latency histogram: the upper edge of the bucket it falls in (or the
 * longest wait, if shorter), so "≤ 5 s" — four decisions in a second and one in seven read p50 ≤ 5 s.
 */
function upTo(ms: number | null): string {
  return ms === null ? duration(null) : `≤ ${duration(ms)}`;
}
