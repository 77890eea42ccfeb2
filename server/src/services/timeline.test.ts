import type { Connection } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  isCall,
  windowBounds,
  type AnalyticsRange,
  type AuditSource,
  type AuditStatus,
  type DecisionsAnalytics,
  type RangePreset,
  type ScanFinding,
} from '@aegis/shared';
import { createRepos, type Repos } from '../data/repos';
import type { AuditRecord } from '../data/repos/auditWriter';
import { createLogger } from '../logger';
import { decisions, dlp, rules } from './analytics/queries';
import { rebuildRollups } from './analytics/rebuild';
import { RollupRecorder } from './analytics/rollupRecorder';
import { windowFor, type Window } from './analytics/window';
import { foldGraph, foldTallies, rollupTallies } from './graph';
import { bucketsFor, rollupTimeline, scanTimeline } from './timeline';
import type { TimelineWindow } from './types';
import { seededRandom } from '../../test/helpers/random';
import { useTestDb } from '../../test/helpers/testDb';

// The Overview timeline summed from rollups must be what counting the log says, for any window.
// Two servers on one database write varied entries (and later outcomes with result findings),
// each rolling up what it writes, as createServices does.
const logger = createLogger('silent');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** "Now" for every window: inside a minute, hour and day, so the windows' edges are not aligned. */
const NOW = Date.UTC(2026, 11, 4, 13, 37, 25, 123);

const db = useTestDb();
const conns: Connection[] = [];
const servers: Array<{ repos: Repos; recorder: RollupRecorder }> = [];

const rnd = seededRandom(17);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;

const AGENTS = ['payments', 'support', 'crawler'];
const ACTIONS = ['transfer', 'lookup', 'refund', 'email', 'delete'];
const KINDS: Array<[AuditStatus, AuditSource]> = [
  ['ALLOWED', 'server'],
  ['ALLOWED', 'server'],
  ['BLOCKED', 'server'],
  ['BLOCKED', 'agent'],
  ['PENDING', 'server'],
  ['KILLED', 'server'],
  ['ERROR', 'agent'],
  ['APPROVED', 'person'],
  ['DENIED', 'person'],
];
/** `result_only` is never found in arguments: only result findings count it. */
const DETECTORS = ['card', 'email', 'ssn', 'github_token'];
const TAGS = ['pii', 'external', 'email', 'tag.with $dots'];
const RULES = ['big-transfer', 'no-ssn', 'after-hours'];

function findings(detectors: readonly string[], max: number): ScanFinding[] {
  const out: ScanFinding[] = [];
  for (let i = Math.floor(rnd() * (max + 1)); i > 0; i--)
    out.push({
      detector: pick(detectors),
      path: `/v${i}`,
      count: 1 + Math.floor(rnd() * 3),
      confidence: 0.9,
    });
  return out;
}

/** A time in the last 9 days (and a little after NOW), often right at or beside a bucket edge. */
function timestamp(): Date {
  const t = NOW - 9 * DAY + rnd() * (9 * DAY + 2 * HOUR);
  if (rnd() < 0.5) return new Date(t);
  const unit = pick([MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 3 * HOUR, DAY]);
  return new Date(Math.floor(t / unit) * unit + pick([-1, 0, 0, 1]));
}

beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    const conn = await db.connect();
    conns.push(conn);
    let recorder: RollupRecorder | null = null;
    const repos = await createRepos(conn, {
      onAuditWritten: (_, docs) => recorder?.record(docs),
      onResultsWritten: (late) => recorder?.recordResults(late),
    });
    recorder = new RollupRecorder(repos, logger);
    servers.push({ repos, recorder });
  }

  const written: Array<{ id: number; entryKey: string; server: Repos; status: AuditStatus }> = [];
  await Promise.all(
    Array.from({ length: 1200 }, async (_, i) => {
      const [status, source] = pick(KINDS);
      const server = servers[i % 2]!.repos;
      const entryKey = `k-${i}`;
      const record: AuditRecord = {
        timestamp: timestamp(),
        agent: pick(AGENTS),
        action: pick(ACTIONS),
        status,
        source,
        details: '',
        callId: `c-${i}`,
        argsPreview: null,
        entryKey,
        findings: findings(DETECTORS, 3),
        // Declared tags, one of them a detector's name: found, it counts as the detector.
        tags: rnd() < 0.4 ? [pick(TAGS), ...(rnd() < 0.5 ? [pick(TAGS)] : [])] : null,
        approvalId: status === 'ALLOWED' && rnd() < 0.15 ? 1 + Math.floor(rnd() * 50) : null,
        rule: rnd() < 0.6 ? { id: pick(RULES), scope: 'agent', version: 1 } : null,
      };
      // A local-mode record shipped after its tool ran: its result findings come with it.
      if (status === 'ALLOWED' && rnd() < 0.2) {
        record.outcome = 'ok';
        record.durationMs = 5;
        record.resultFindings = findings([...DETECTORS, 'result_only'], 2);
      }
      const entry = await server.audit.write(record);
      if (status === 'ALLOWED' && !record.outcome)
        written.push({ id: entry.id, entryKey, server, status });
    }),
  );
  // Outcome reports through each way they arrive, on either server, some of them twice (write-once).
  await Promise.all(
    written.map(async ({ id, entryKey, server }, i) => {
      const report = {
        resultFindings: rnd() < 0.7 ? findings([...DETECTORS, 'result_only'], 3) : [],
      };
      const other = servers[(i + 1) % 2]!.repos;
      const way = i % 3;
      const once = () =>
        way === 0
          ? server.audit.queueOutcome(id, 'ok', 3, report)
          : way === 1
            ? other.audit.setOutcome(id, 'ok', 3, report)
            : other.audit.setOutcomesByKey([{ entryKey, outcome: 'ok', durationMs: 3, ...report }]);
      await once();
      if (i % 5 === 0) await once();
    }),
  );
  for (const { repos, recorder } of servers) {
    await repos.audit.drain();
    await recorder.drain();
  }
}, 120_000);

/** The dashboard's default windows, its presets, and custom windows with unaligned edges. */
function windows(): TimelineWindow[] {
  const out: TimelineWindow[] = [1, 2, 6, 24, 48, 168].map((hours) => ({ hours }));
  for (const range of ['1h', '24h', '7d', '30d'] as RangePreset[]) out.push({ range });
  const iso = (t: number) => new Date(t).toISOString();
  // Spans around each bucket size's limit (60 buckets), so every size is used.
  for (const span of [
    45_000,
    20 * MINUTE,
    61 * MINUTE,
    5 * HOUR,
    15 * HOUR,
    30 * HOUR,
    59 * HOUR,
    7 * DAY,
    8 * DAY,
    9 * DAY,
    31 * DAY,
    45 * DAY,
  ]) {
    out.push({ from: iso(NOW - span) });
    out.push({ from: iso(NOW - span - 1234), to: iso(NOW - 4321) });
  }
  for (let i = 0; i < 40; i++) {
    const span = Math.exp(Math.log(30_000) + rnd() * Math.log((9 * DAY) / 30_000));
    const to = NOW + 2 * HOUR - rnd() * (9 * DAY + 2 * HOUR - span);
    out.push({ from: iso(to - span), to: iso(Math.round(to)) });
  }
  // Edges exactly on a minute / hour / day.
  out.push({ from: iso(NOW - (NOW % HOUR) - 5 * HOUR), to: iso(NOW - (NOW % HOUR)) });
  out.push({ from: iso(NOW - (NOW % DAY) - 4 * DAY), to: iso(NOW - (NOW % DAY) - DAY) });
  out.push({ from: iso(NOW - (NOW % MINUTE) - 30 * MINUTE), to: iso(NOW - (NOW % MINUTE)) });
  return out;
}

describe('the Overview timeline from rollups', () => {
  it('counts what the log holds, for every window: buckets, top blocked, findings of both sides', async () => {
    const { repos } = servers[0]!;
    const sizes = new Set<number>();
    let resultOnly = 0;
    let blocked = 0;
    for (const window of windows()) {
      const plan = bucketsFor(window, NOW);
      sizes.add(plan.size);
      const expected = await scanTimeline(repos, plan);
      resultOnly += expected.findings.find((f) => f.detector === 'result_only')?.calls ?? 0;
      blocked += expected.topBlocked.length;
      expect({ window, ...(await rollupTimeline(repos, plan)) }).toEqual({ window, ...expected });
    }
    // The data exercised what it should: every bucket size, result findings, blocked actions.
    expect([...sizes].sort((a, b) => a - b)).toEqual(
      [1, 5, 15, 60, 180, 360, 720, 1440].map((m) => m * MINUTE),
    );
    expect(resultOnly).toBeGreaterThan(0);
    expect(blocked).toBeGreaterThan(0);
  });

  it('a rebuild from the log gives the same timeline, and analytics the same answers as live', async () => {
    const { repos } = servers[1]!;
    const ranges = [
      { range: '24h' as const },
      { range: '7d' as const },
      { from: new Date(NOW - 2 * HOUR).toISOString(), to: new Date(NOW).toISOString() },
    ];
    const analytics = async () =>
      Promise.all(
        ranges.flatMap((r) => [decisions(repos, windowFor(r, NOW)), dlp(repos, windowFor(r, NOW))]),
      );
    const live = await analytics();
    await rebuildRollups(repos, logger);
    expect(await analytics()).toEqual(live);
    for (const window of windows()) {
      const plan = bucketsFor(window, NOW);
      expect({ window, ...(await rollupTimeline(repos, plan)) }).toEqual({
        window,
        ...(await scanTimeline(repos, plan)),
      });
    }
  });

  it('analytics decisions read from the rollups count what the log holds, for every window and filter', async () => {
    const { repos } = servers[0]!;
    const log = await storedEntries();
    const ranges: AnalyticsRange[] = [];
    for (const window of windows()) {
      const { from, to } = boundsOf(window);
      ranges.push({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    }
    ranges.push({ range: '24h', agent: 'payments' }, { range: '7d', action: 'refund' });
    ranges.push({ range: '30d', agent: 'support', action: 'lookup' });
    let counted = 0;
    for (const range of ranges) {
      const w = windowFor(range, NOW);
      const expected = decisionsFromLog(log, w);
      counted += expected.totals.calls;
      expect({ range, ...countsOf(await decisions(repos, w, NOW)) }).toEqual({
        range,
        ...expected,
      });
      const { rules: byRule } = await rules(repos, w, NOW);
      expect({ range, rules: sortBy(byRule, (r) => r.rule) }).toEqual({
        range,
        rules: rulesFromLog(log, w),
      });
      const found = await dlp(repos, w);
      expect({
        range,
        series: found.series,
        detectors: sortBy(found.detectors, (d) => d.detector),
      }).toEqual({
        range,
        ...dlpFromLog(log, w),
      });
    }
    expect(counted).toBeGreaterThan(1000);
  });

  it('the agent graph read from the rollups is the graph of the log, for every window', async () => {
    const { repos } = servers[1]!;
    let tagged = 0;
    for (const window of windows()) {
      const { from, to } = boundsOf(window);
      const expected = foldGraph(
        await repos.graph.callGroups(new Date(from), new Date(to)),
        () => null,
        { from, to },
      );
      tagged += expected.carries.filter((c) => c.kind === 'tag').length;
      const actual = foldTallies(await rollupTallies(repos, from, to, NOW), () => null, {
        from,
        to,
      });
      expect({ window, ...actual }).toEqual({ window, ...expected });
    }
    expect(tagged).toBeGreaterThan(0);
  });
});

type StoredEntry = {
  timestamp: Date;
  agent: string;
  action: string;
  status: AuditStatus;
  source?: AuditSource;
  rule?: { id: string; scope: string } | null;
  findings?: ScanFinding[];
};

const sortBy = <T>(rows: readonly T[], key: (row: T) => string) =>
  [...rows].sort((a, b) => key(a).localeCompare(key(b)));

/** The window's calls (of its agent and action, when it names them) and their bucket. */
function callsIn(log: readonly StoredEntry[], w: Window): Array<[StoredEntry, number]> {
  const out: Array<[StoredEntry, number]> = [];
  for (const e of log) {
    if (!isCall({ status: e.status, source: e.source ?? 'server' })) continue;
    if ((w.agent && e.agent !== w.agent) || (w.action && e.action !== w.action)) continue;
    const t = e.timestamp.getTime();
    const bucket = Math.floor((t - w.from.getTime()) / w.bucketMs);
    if (t >= w.from.getTime() && bucket < w.starts.length) out.push([e, bucket]);
  }
  return out;
}

function rulesFromLog(log: readonly StoredEntry[], w: Window) {
  type Row = {
    rule: string;
    scope: string;
    calls: number;
    allowed: number;
    blocked: number;
    review: number;
  };
  const byRule = new Map<string, Row>();
  for (const [e] of callsIn(log, w)) {
    if (!e.rule) continue;
    const key = `${e.rule.scope}:${e.rule.id}`;
    const fresh: Row = {
      rule: e.rule.id,
      scope: e.rule.scope,
      calls: 0,
      allowed: 0,
      blocked: 0,
      review: 0,
    };
    const r = byRule.get(key) ?? byRule.set(key, fresh).get(key)!;
    r.calls++;
    if (e.status === 'ALLOWED') r.allowed++;
    else if (e.status === 'BLOCKED' || e.status === 'KILLED') r.blocked++;
    else if (e.status === 'PENDING') r.review++;
  }
  return sortBy([...byRule.values()], (r) => r.rule);
}

function dlpFromLog(log: readonly StoredEntry[], w: Window) {
  const series = w.starts.map((start) => ({ start: new Date(start).toISOString(), calls: 0 }));
  const detectors = new Map<string, { detector: string; calls: number; findings: number }>();
  for (const [e, bucket] of callsIn(log, w)) {
    const matches = new Map<string, number>();
    for (const f of e.findings ?? [])
      matches.set(f.detector, (matches.get(f.detector) ?? 0) + f.count);
    for (const [detector, count] of matches) {
      series[bucket]!.calls++;
      const fresh = { detector, calls: 0, findings: 0 };
      const d = detectors.get(detector) ?? detectors.set(detector, fresh).get(detector)!;
      d.calls++;
      d.findings += count;
    }
  }
  return { series, detectors: sortBy([...detectors.values()], (d) => d.detector) };
}

async function storedEntries(): Promise<StoredEntry[]> {
  return (await conns[0]!.collection('audit_log').find({}).toArray()) as unknown as StoredEntry[];
}

function boundsOf(window: TimelineWindow): { from: number; to: number } {
  if ('hours' in window && window.hours !== undefined)
    return { from: NOW - window.hours * HOUR, to: NOW };
  return windowBounds(window, NOW);
}

const COLUMNS: Record<string, 'allowed' | 'blocked' | 'review' | 'killed'> = {
  ALLOWED: 'allowed',
  BLOCKED: 'blocked',
  PENDING: 'review',
  KILLED: 'killed',
};
type Counts = {
  allowed: number;
  blocked: number;
  review: number;
  killed: number;
  other: number;
  calls: number;
};
const none = (): Counts => ({ allowed: 0, blocked: 0, review: 0, killed: 0, other: 0, calls: 0 });
const pickCounts = ({ allowed, blocked, review, killed, other, calls }: Counts): Counts => ({
  allowed,
  blocked,
  review,
  killed,
  other,
  calls,
});

/** The counts of a decisions answer, its rows in a fixed order (ties may come in any order). */
function countsOf(d: DecisionsAnalytics) {
  return {
    totals: pickCounts(d.totals),
    series: d.series.map((b) => ({ start: b.start, ...pickCounts({ ...b, calls: 0 }) })),
    byAgent: d.byAgent
      .map((r) => ({ agent: r.agent, ...pickCounts(r) }))
      .sort((a, b) => a.agent.localeCompare(b.agent)),
    byAction: d.byAction
      .map((r) => ({ agent: r.agent, action: r.action, ...pickCounts(r) }))
      .sort((a, b) => a.agent.localeCompare(b.agent) || a.action.localeCompare(b.action)),
  };
}

/** What analytics.decisions must say, counted from the stored entries. */
function decisionsFromLog(log: readonly StoredEntry[], w: Window) {
  const totals = none();
  const series = w.starts.map((start) => ({ start: new Date(start).toISOString(), ...none() }));
  const agents = new Map<string, Counts>();
  const actions = new Map<string, Counts & { agent: string; action: string }>();
  for (const e of log) {
    if (!isCall({ status: e.status, source: e.source ?? 'server' })) continue;
    if (w.agent && e.agent !== w.agent) continue;
    if (w.action && e.action !== w.action) continue;
    const t = e.timestamp.getTime();
    const bucket = Math.floor((t - w.from.getTime()) / w.bucketMs);
    if (t < w.from.getTime() || bucket >= w.starts.length) continue;
    const column = COLUMNS[e.status] ?? 'other';
    const key = `${e.agent}/${e.action}`;
    const rows = [
      totals,
      agents.get(e.agent) ?? agents.set(e.agent, none()).get(e.agent)!,
      actions.get(key) ??
        actions.set(key, { agent: e.agent, action: e.action, ...none() }).get(key)!,
    ];
    for (const row of rows) {
      row[column]++;
      row.calls++;
    }
    series[bucket]![column]++;
  }
  return {
    totals,
    series,
    byAgent: [...agents]
      .map(([agent, c]) => ({ agent, ...c }))
      .sort((a, b) => a.agent.localeCompare(b.agent)),
    byAction: [...actions.values()].sort(
      (a, b) => a.agent.localeCompare(b.agent) || a.action.localeCompare(b.action),
    ),
  };
}
