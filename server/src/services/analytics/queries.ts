import type {
  ApprovalsAnalytics,
  DecisionsAnalytics,
  DlpAnalytics,
  RulesAnalytics,
} from '@aegis/shared';
import type { Repos } from '../../data/repos';
import {
  fieldKey,
  fromFieldKey,
  LATENCY_BINS,
  type RollupDoc,
  type RollupQuery,
} from '../../data/repos/rollups.repo';
import { readCover } from './cover';
import { windowFields, type Window } from './window';

type Verdicts = { allowed: number; blocked: number; review: number; killed: number; other: number };
const VERDICT: Record<string, keyof Verdicts> = {
  ALLOWED: 'allowed',
  BLOCKED: 'blocked',
  PENDING: 'review',
  KILLED: 'killed',
};

const zero = (): Verdicts => ({ allowed: 0, blocked: 0, review: 0, killed: 0, other: 0 });
function withRates(v: Verdicts) {
  const calls = v.allowed + v.blocked + v.review + v.killed + v.other;
  return {
    ...v,
    calls,
    blockRate: calls ? (v.blocked + v.killed) / calls : 0,
    reviewRate: calls ? v.review / calls : 0,
  };
}
const byCalls = (a: { calls: number }, b: { calls: number }) => b.calls - a.calls;

function read(repos: Repos, k: RollupDoc['k'], w: Window): Promise<RollupDoc[]> {
  return repos.rollups.find({
    k,
    g: w.grain,
    from: w.from,
    to: w.to,
    ...(w.agent ? { agent: w.agent } : {}),
    ...(w.action ? { action: w.action } : {}),
  });
}

/** The documents of one kind that sum to the window's buckets (see readCover). */
function readWindow(
  repos: Repos,
  k: RollupDoc['k'],
  w: Window,
  now: number,
  extra: Pick<RollupQuery, 'agent' | 'projection'>,
): Promise<Array<{ sign: number; docs: RollupDoc[] }>> {
  const end = w.from.getTime() + w.starts.length * w.bucketMs;
  return readCover(repos.rollups, k, w.grain, w.from.getTime(), end, now, extra);
}

function seriesIndex(w: Window) {
  return (t: Date) => Math.floor((t.getTime() - w.from.getTime()) / w.bucketMs);
}

/** An agent document's calls: by action (field key), by status. */
type AgentCalls = Record<string, Record<string, number>>;

function addCounts(into: Verdicts, counts: Record<string, number> | undefined, sign = 1) {
  // for…in, not Object.entries: this runs for every action of every document a window reads.
  for (const status in counts) into[VERDICT[status] ?? 'other'] += sign * counts[status]!;
}

/**
 * Decisions over time by verdict, per agent and per agent × action, with block and review rates.
 * The chart reads one `tl` document per bucket (every agent); the tables read each agent's `ag`
 * documents over the window, coarser grains included (coverTerms), so a week costs ~20 documents
 * per agent whatever the traffic. Filtered to an agent, both read that agent's documents of the
 * window's grain.
 */
export async function decisions(
  repos: Repos,
  w: Window,
  now = Date.now(),
): Promise<DecisionsAnalytics> {
  const series = w.starts.map((start) => ({ start: new Date(start).toISOString(), ...zero() }));
  const at = seriesIndex(w);
  const only = w.action ? fieldKey(w.action) : null;
  const projection = {
    _id: 0 as const,
    t: 1 as const,
    a: 1 as const,
    [only ? `v.${only}` : 'v']: 1 as const,
  };
  const agents = new Map<string, Verdicts>();
  type ActionRow = Verdicts & { agent: string; action: string };
  const actions = new Map<string, Map<string, ActionRow>>();
  const tally = (agent: string, calls: AgentCalls | undefined, sign: number) => {
    const total = agents.get(agent) ?? agents.set(agent, zero()).get(agent)!;
    const rows = actions.get(agent) ?? actions.set(agent, new Map()).get(agent)!;
    for (const key in calls) {
      if (only !== null && key !== only) continue;
      const counts = calls[key];
      addCounts(total, counts, sign);
      const row =
        rows.get(key) ?? rows.set(key, { agent, action: fromFieldKey(key), ...zero() }).get(key)!;
      addCounts(row, counts, sign);
    }
  };
  const chart = (d: RollupDoc, calls: Record<string, number> | undefined) => {
    const bucket = series[at(d.t)];
    if (bucket) addCounts(bucket, calls);
  };
  const byGrain = (extra: Partial<RollupQuery>) =>
    repos.rollups.find({ k: 'ag', g: w.grain, from: w.from, to: w.to, projection, ...extra });

  if (w.agent || only !== null) {
    // One agent (or one action of every agent): the chart and the tables from the same documents.
    for (const d of await byGrain(w.agent ? { agent: w.agent } : {})) {
      const calls = d.v as AgentCalls | undefined;
      tally(d.a, calls, 1);
      for (const [key, counts] of Object.entries(calls ?? {}))
        if (only === null || key === only) chart(d, counts);
    }
  } else {
    const [chartDocs, parts] = await Promise.all([
      repos.rollups.find({
        k: 'tl',
        g: w.grain,
        from: w.from,
        to: w.to,
        agent: '',
        projection: { _id: 0, t: 1, cv: 1 },
      }),
      readWindow(repos, 'ag', w, now, { projection }),
    ]);
    for (const d of chartDocs) chart(d, d.cv);
    for (const { sign, docs } of parts) for (const d of docs) tally(d.a, d.v as AgentCalls, sign);
  }
  const totals = zero();
  for (const v of agents.values())
    for (const c of Object.keys(totals) as Array<keyof Verdicts>) totals[c] += v[c];
  const calls = (v: Verdicts) => v.allowed + v.blocked + v.review + v.killed + v.other;
  return {
    ...windowFields(w),
    totals: withRates(totals),
    series,
    byAgent: [...agents]
      .filter(([, v]) => calls(v) > 0)
      .map(([agent, v]) => ({ agent, ...withRates(v) }))
      .sort(byCalls),
    byAction: [...actions.values()]
      .flatMap((rows) => [...rows.values()])
      .filter((v) => calls(v) > 0)
      .map((v) => ({ ...withRates(v), agent: v.agent, action: v.action }))
      .sort(byCalls)
      .slice(0, 50),
  };
}

/** Time to a person's decision (histogram percentiles) and each reviewer's workload. */
export async function approvals(repos: Repos, w: Window): Promise<ApprovalsAnalytics> {
  const docs = await read(repos, 'appr', w);
  const series = w.starts.map((start) => ({
    start: new Date(start).toISOString(),
    approved: 0,
    denied: 0,
    ms: 0,
  }));
  const bins = new Array<number>(LATENCY_BINS.length + 1).fill(0);
  const reviewers = new Map<
    string,
    { decided: number; approved: number; denied: number; ms: number }
  >();
  let approved = 0;
  let denied = 0;
  let ms = 0;
  let maxMs: number | null = null;
  const at = seriesIndex(w);
  for (const d of docs) {
    const yes = d.s === 'APPROVED';
    if (yes) approved += d.n;
    else denied += d.n;
    ms += d.ms ?? 0;
    maxMs = Math.max(maxMs ?? 0, d.mx ?? 0);
    for (const [bin, n] of Object.entries(d.h ?? {}))
      bins[Number(bin)] = (bins[Number(bin)] ?? 0) + n;
    const bucket = series[at(d.t)];
    if (bucket) {
      bucket[yes ? 'approved' : 'denied'] += d.n;
      bucket.ms += d.ms ?? 0;
    }
    const r =
      reviewers.get(d.d) ??
      reviewers.set(d.d, { decided: 0, approved: 0, denied: 0, ms: 0 }).get(d.d)!;
    r.decided += d.n;
    r[yes ? 'approved' : 'denied'] += d.n;
    r.ms += d.ms ?? 0;
  }
  const decided = approved + denied;
  return {
    ...windowFields(w),
    decided,
    approved,
    denied,
    latency: {
      meanMs: decided ? ms / decided : null,
      p50Ms: percentile(bins, 0.5, maxMs),
      p90Ms: percentile(bins, 0.9, maxMs),
      maxMs,
    },
    series: series.map(({ ms: sum, ...s }) => ({
      ...s,
      meanMs: s.approved + s.denied ? sum / (s.approved + s.denied) : null,
    })),
    reviewers: [...reviewers]
      .map(([reviewer, r]) => ({
        reviewer,
        decided: r.decided,
        approved: r.approved,
        denied: r.denied,
        meanMs: r.decided ? r.ms / r.decided : null,
      }))
      .sort((a, b) => b.decided - a.decided),
  };
}

/** The upper edge of the bin holding the q-th decision (the largest latency for the open bin). */
function percentile(bins: number[], q: number, maxMs: number | null): number | null {
  const total = bins.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    seen += bins[i] ?? 0;
    if (seen >= q * total) return Math.min(LATENCY_BINS[i] ?? Infinity, maxMs ?? Infinity);
  }
  return maxMs;
}

/** Rules that decided calls, most first (from the agents' documents, as decisions' tables). */
export async function rules(repos: Repos, w: Window, now = Date.now()): Promise<RulesAnalytics> {
  const only = w.action ? fieldKey(w.action) : null;
  const parts = await readWindow(repos, 'ag', w, now, {
    ...(w.agent ? { agent: w.agent } : {}),
    projection: { _id: 0, [only ? `rl.${only}` : 'rl']: 1 },
  });
  type Row = RulesAnalytics['rules'][number];
  const byRule = new Map<string, Row>();
  for (const { sign, docs } of parts)
    for (const d of docs)
      for (const [x, ruleCounts] of Object.entries(d.rl ?? {})) {
        if (only !== null && x !== only) continue;
        for (const [key, byStatus] of Object.entries(ruleCounts)) {
          const scoped = fromFieldKey(key);
          const colon = scoped.indexOf(':');
          const fresh = {
            scope: scoped.slice(0, colon),
            rule: scoped.slice(colon + 1),
            calls: 0,
            allowed: 0,
            blocked: 0,
            review: 0,
          };
          const r = byRule.get(scoped) ?? byRule.set(scoped, fresh).get(scoped)!;
          for (const [status, count] of Object.entries(byStatus)) {
            const n = sign * count;
            r.calls += n;
            const column = VERDICT[status];
            if (column === 'allowed' || column === 'blocked' || column === 'review') r[column] += n;
            else if (column === 'killed') r.blocked += n;
          }
        }
      }
  const used = [...byRule.values()].filter((r) => r.calls > 0);
  return { ...windowFields(w), rules: used.sort(byCalls).slice(0, 20) };
}

/** DLP findings by detector: calls they were found in, and matches. */
export async function dlp(repos: Repos, w: Window): Promise<DlpAnalytics> {
  const series = w.starts.map((start) => ({ start: new Date(start).toISOString(), calls: 0 }));
  const detectors = new Map<string, { detector: string; calls: number; findings: number }>();
  const at = seriesIndex(w);
  const add = (t: Date, calls: Record<string, number>, matches: Record<string, number>) => {
    const bucket = series[at(t)];
    for (const [name, n] of Object.entries(calls)) {
      if (bucket) bucket.calls += n;
      const x =
        detectors.get(name) ??
        detectors.set(name, { detector: name, calls: 0, findings: 0 }).get(name)!;
      x.calls += n;
      x.findings += matches[name] ?? 0;
    }
  };
  if (w.agent || w.action) {
    // The agents' documents, by action.
    const only = w.action ? fieldKey(w.action) : null;
    const docs = await repos.rollups.find({
      k: 'ag',
      g: w.grain,
      from: w.from,
      to: w.to,
      ...(w.agent ? { agent: w.agent } : {}),
      projection: only
        ? { _id: 0, t: 1, [`dc.${only}`]: 1, [`df.${only}`]: 1 }
        : { _id: 0, t: 1, dc: 1, df: 1 },
    });
    for (const d of docs)
      for (const [x, calls] of Object.entries(d.dc ?? {}))
        if (only === null || x === only) add(d.t, calls, d.df?.[x] ?? {});
  } else {
    // Every agent: one document per bucket.
    const docs = await repos.rollups.find({
      k: 'tl',
      agent: '',
      g: w.grain,
      from: w.from,
      to: w.to,
      projection: { _id: 0, t: 1, c: 1, f: 1 },
    });
    for (const d of docs) add(d.t, d.c ?? {}, d.f ?? {});
  }
  return { ...windowFields(w), detectors: [...detectors.values()].sort(byCalls), series };
}
