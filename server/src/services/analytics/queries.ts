import type {
  ApprovalsAnalytics,
  DecisionsAnalytics,
  DlpAnalytics,
  RulesAnalytics,
} from '@aegis/shared';
import type { Repos } from '../../data/repos';
import { LATENCY_BINS, type RollupDoc } from '../../data/repos/rollups.repo';
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

function seriesIndex(w: Window) {
  return (t: Date) => Math.floor((t.getTime() - w.from.getTime()) / w.bucketMs);
}

/** Decisions over time by verdict, per agent and per agent × action, with block and review rates. */
export async function decisions(repos: Repos, w: Window): Promise<DecisionsAnalytics> {
  const docs = await read(repos, 'call', w);
  const series = w.starts.map((start) => ({ start: new Date(start).toISOString(), ...zero() }));
  const totals = zero();
  const agents = new Map<string, Verdicts>();
  const actions = new Map<string, Verdicts & { agent: string; action: string }>();
  const at = seriesIndex(w);
  for (const d of docs) {
    const column = VERDICT[d.s] ?? 'other';
    const bucket = series[at(d.t)];
    if (bucket) bucket[column] += d.n;
    totals[column] += d.n;
    const agent = agents.get(d.a) ?? agents.set(d.a, zero()).get(d.a)!;
    agent[column] += d.n;
    const key = `${d.a}\u0000${d.x}`;
    const action =
      actions.get(key) ?? actions.set(key, { agent: d.a, action: d.x, ...zero() }).get(key)!;
    action[column] += d.n;
  }
  return {
    ...windowFields(w),
    totals: withRates(totals),
    series,
    byAgent: [...agents].map(([agent, v]) => ({ agent, ...withRates(v) })).sort(byCalls),
    byAction: [...actions.values()]
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

/** Rules that decided calls, most first. */
export async function rules(repos: Repos, w: Window): Promise<RulesAnalytics> {
  const docs = await read(repos, 'rule', w);
  const byRule = new Map<
    string,
    { rule: string; scope: string; calls: number; allowed: number; blocked: number; review: number }
  >();
  for (const d of docs) {
    const colon = d.r.indexOf(':');
    const r =
      byRule.get(d.r) ??
      byRule
        .set(d.r, {
          scope: d.r.slice(0, colon),
          rule: d.r.slice(colon + 1),
          calls: 0,
          allowed: 0,
          blocked: 0,
          review: 0,
        })
        .get(d.r)!;
    r.calls += d.n;
    const column = VERDICT[d.s];
    if (column === 'allowed' || column === 'blocked' || column === 'review') r[column] += d.n;
    else if (column === 'killed') r.blocked += d.n;
  }
  return { ...windowFields(w), rules: [...byRule.values()].sort(byCalls).slice(0, 20) };
}

/** DLP findings by detector: calls they were found in, and matches. */
export async function dlp(repos: Repos, w: Window): Promise<DlpAnalytics> {
  const docs = await read(repos, 'dlp', w);
  const series = w.starts.map((start) => ({ start: new Date(start).toISOString(), calls: 0 }));
  const detectors = new Map<string, { detector: string; calls: number; findings: number }>();
  const at = seriesIndex(w);
  for (const d of docs) {
    const bucket = series[at(d.t)];
    for (const [name, calls] of Object.entries(d.c ?? {})) {
      if (bucket) bucket.calls += calls;
      const x =
        detectors.get(name) ??
        detectors.set(name, { detector: name, calls: 0, findings: 0 }).get(name)!;
      x.calls += calls;
      x.findings += d.f?.[name] ?? 0;
    }
  }
  return { ...windowFields(w), detectors: [...detectors.values()].sort(byCalls), series };
}
