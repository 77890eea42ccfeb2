import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditStatus } from '@aegis/shared';
import { createRepos, type Repos } from '../../data/repos';
import { observedFromFacts } from '../../data/repos/manifestFacts.repo';
import { createLogger } from '../../logger';
import { rebuildRollups } from './rebuild';
import { RollupRecorder } from './rollupRecorder';
import { useTestDb } from '../../../test/helpers/testDb';

// The all-time facts governance, the agent list and the agent page read from the rollups (tools
// by status, first/last seen, detectors; agents met in runs) must say exactly what reading the
// whole log says — with three servers writing the same runs at once, and after a rebuild.
const logger = createLogger('silent');
const db = useTestDb();
const servers: Array<{ repos: Repos; recorder: RollupRecorder }> = [];
beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    const conn = await db.connect();
    let recorder: RollupRecorder | null = null;
    const repos = await createRepos(conn, {
      onAuditWritten: (_, docs) => recorder?.record(docs),
      onResultsWritten: (late) => recorder?.recordResults(late),
    });
    // A short gathering pause, so the servers' groups interleave within one run.
    recorder = new RollupRecorder(repos, logger, 5);
    servers.push({ repos, recorder });
  }
});

// Dots and a `$` in names: they are field keys in the rollup documents.
const AGENTS = ['teller', 'clerk', 'ops.bot', 'auditor', '$root'];
const STATUSES: AuditStatus[] = ['ALLOWED', 'BLOCKED', 'PENDING', 'ERROR', 'REVEALED'];

/** One server's share of the traffic: runs shared between agents, some on the other servers. */
function traffic(server: number) {
  return Array.from({ length: 240 }, (_, i) => {
    const n = server * 1000 + i;
    const agent = AGENTS[(i * 7 + server) % AGENTS.length]!;
    return {
      timestamp: new Date(Date.UTC(2026, 10, 1) + n * 1000),
      agent,
      action: ['lookup', 'files.read', 'transfer'][i % 3]!,
      status: STATUSES[i % STATUSES.length]!,
      source: i % 17 === 0 ? ('person' as const) : ('server' as const),
      details: '',
      callId: `f-${server}-${i}`,
      approvalId: null,
      argsPreview: null,
      // 12 runs, each written to by every server, so agents meet in runs across servers.
      ...(i % 5 !== 4 ? { runId: `run-${String(i % 12).padStart(2, '0')}` } : {}),
      findings:
        i % 9 === 0 ? [{ detector: 'ssn', path: '$.ssn', count: 1, confidence: 0.9 }] : undefined,
    };
  });
}

async function fromRollups(repos: Repos, agents?: string[]) {
  const [tools, runs] = await Promise.all([
    repos.rollups.toolFacts(agents),
    repos.rollups.sharedRuns(agents),
  ]);
  return normalize({ observed: observedFromFacts(tools), runs });
}

type Facts = Awaited<ReturnType<Repos['manifestFacts']['calls']>>;
function normalize(facts: Facts, agents?: string[]) {
  const keep = (a: string) => !agents || agents.includes(a);
  return {
    observed: [...facts.observed]
      .filter(([a]) => keep(a))
      .map(([a, tools]) => [
        a,
        tools
          .map((t) => ({
            ...t,
            firstSeen: t.firstSeen?.getTime(),
            lastSeen: t.lastSeen?.getTime(),
          }))
          .sort((x, y) => x.action.localeCompare(y.action)),
      ])
      .sort(),
    runs: [...facts.runs]
      .filter(([a]) => keep(a))
      .map(([a, others]) => [a, [...others].sort()])
      .sort(),
  };
}

describe('all-time facts from the rollups', () => {
  it('match reading the log: tools, detectors, first/last seen and runs shared across servers', async () => {
    await Promise.all(
      servers.map(({ repos }, s) =>
        Promise.all(traffic(s).map((entry) => repos.audit.write(entry))),
      ),
    );
    // Result findings reported after the call (an outcome), on one server for another's entry.
    const [one, two] = servers;
    const entry = await two!.repos.audit.latestAllowedByCallId('f-0-5');
    expect(entry).not.toBeNull();
    await one!.repos.audit.setOutcome(entry!.id, 'ok', 3, {
      resultFindings: [{ detector: 'card', path: '$', count: 1, confidence: 0.9 }],
    });
    for (const s of servers) await s.recorder.drain();

    const repos = servers[0]!.repos;
    const scanned = normalize(await repos.manifestFacts.calls());
    expect(scanned.runs.length).toBeGreaterThan(3);
    const detectors = scanned.observed.flatMap(([, tools]) =>
      (tools as Array<{ detectors: readonly string[] }>).flatMap((t) => t.detectors),
    );
    expect(new Set(detectors)).toEqual(new Set(['ssn', 'card']));
    expect(await fromRollups(repos)).toEqual(scanned);
    // Some agents only (a registration's evaluation).
    const some = ['ops.bot', '$root'];
    expect(await fromRollups(repos, some)).toEqual(
      normalize(await repos.manifestFacts.calls(some), some),
    );

    // The agent list's counts and the agent page's tools, likewise.
    const { rows } = await repos.audit.activity();
    const agentFacts = await repos.rollups.agentFacts();
    const byAgent = (list: Array<{ agent: string }>) =>
      list.sort((x, y) => x.agent.localeCompare(y.agent));
    expect(
      byAgent(agentFacts.map((d) => ({ agent: d.a, counts: d.v, last: d.last?.getTime() }))),
    ).toEqual(
      byAgent(
        rows.map((r) => ({ agent: r.agent, counts: r.counts, last: r.lastActivityAt?.getTime() })),
      ),
    );

    await rebuildRollups(repos, logger);
    expect(await fromRollups(repos)).toEqual(scanned);
  });

  it('lists a run for both agents when they meet on different servers, earliest runs first', async () => {
    const at = (min: number) => new Date(Date.UTC(2026, 10, 2) + min * 60_000);
    const call = (agent: string, runId: string, min: number) => ({
      timestamp: at(min),
      agent,
      action: 'lookup',
      status: 'ALLOWED' as const,
      source: 'server' as const,
      details: '',
      callId: `m-${agent}-${runId}-${min}`,
      approvalId: null,
      argsPreview: null,
      runId,
    });
    const write = async (server: number, entry: ReturnType<typeof call>) => {
      await servers[server]!.repos.audit.write(entry);
      await servers[server]!.recorder.drain();
    };
    // One run, its agents on two servers, one after the other; then the first agent again.
    await write(0, call('m-alpha', 'm-run-9', 1));
    await write(1, call('m-beta', 'm-run-9', 2));
    await write(0, call('m-alpha', 'm-run-9', 3));
    // Five more runs of the pair, written newest first: the three earliest are listed.
    for (const [i, min] of [50, 40, 30, 20, 10].entries()) {
      await write(i % 3, call('m-alpha', `m-run-${i}`, min));
      await write((i + 1) % 3, call('m-beta', `m-run-${i}`, min + 1));
    }
    const runs = await servers[2]!.repos.rollups.sharedRuns(['m-alpha', 'm-beta']);
    // By each run's first call: m-run-9 (minute 1), m-run-4 (10), m-run-3 (20).
    expect(runs.get('m-alpha')).toEqual(new Map([['m-beta', ['m-run-9', 'm-run-4', 'm-run-3']]]));
    expect(runs.get('m-beta')).toEqual(new Map([['m-alpha', ['m-run-9', 'm-run-4', 'm-run-3']]]));
  });
});
