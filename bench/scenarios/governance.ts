import { readFile } from 'node:fs/promises';
import type { BenchServer } from '../harness';
import type { BenchConfig, Row, ScenarioResult } from '../types';

const TAGS = [['pii'], ['financial'], ['external'], ['destructive'], ['pii', 'external']];

/** Resident memory of a process (MiB), from /proc; null where /proc is not there. */
async function rssMiB(pid: number | undefined): Promise<number | null> {
  if (!pid) return null;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  const kb = status && /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : null;
}

/** Streams a download to nowhere, sampling the server's memory; returns bytes, lines, time and peak RSS. */
async function download(server: BenchServer, query: string) {
  const before = await rssMiB(server.serverPid);
  let peak = before ?? 0;
  const sampler = setInterval(() => {
    void rssMiB(server.serverPid).then((m) => {
      if (m !== null && m > peak) peak = m;
    });
  }, 50);
  const t0 = performance.now();
  const res = await fetch(`${server.url}/export/report?${query}`, {
    headers: { authorization: `Bearer ${server.adminKey}` },
  });
  if (!res.ok || !res.body) throw new Error(`export ${query}: ${res.status}`);
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) lines++;
  }
  const ms = performance.now() - t0;
  clearInterval(sampler);
  const counted = Number(res.headers.get('x-aegis-entries') ?? NaN);
  return {
    ms,
    bytes,
    lines,
    before,
    peak,
    entries: Number.isFinite(counted) ? counted : lines - 1,
  };
}

/**
 * 13. Governance and compliance export at scale: `config.governance.agents` agents (1,000 in the
 * full run) with declared tools, evaluated against the built-in pack over the audit log scenario 6
 * left (1,000,000 entries in the full run); then the audit trail exported as CSV and the whole
 * report as JSON, streamed, with the server's peak memory while it streams.
 */
export async function governanceScenario(
  server: BenchServer,
  config: BenchConfig,
): Promise<ScenarioResult> {
  const { agents, evaluations } = config.governance;
  const { admin } = server;
  for (let i = 0; i < agents; i++) {
    await admin.sdk.registerAgent.mutate({
      name: `gov-agent-${String(i).padStart(4, '0')}`,
      owner: i % 10 === 0 ? '' : 'team@bank.example',
      allows: ['lookup', 'export'],
      blocks: ['wipe'],
      tools: ['lookup', 'export', 'wipe', 'notify', 'profile'].map((name, t) => ({
        name,
        tags: TAGS[t] ?? [],
      })),
    });
  }
  const rows: Row[] = [];
  const times: number[] = [];
  let result = { agents: 0, open: 0, opened: 0, resolved: 0 };
  for (let i = 0; i < evaluations; i++) {
    const t0 = performance.now();
    result = await admin.governance.evaluate.mutate({});
    times.push(performance.now() - t0);
  }
  const best = Math.min(...times);
  rows.push({
    scenario: '13 governance and export',
    label: `governance evaluation of every agent (${result.agents.toLocaleString('en-US')} agents, built-in pack)`,
    perSecond: (result.agents / best) * 1000,
    notes: {
      bestMs: Math.round(best),
      runs: times.map((t) => Math.round(t)).join(' / '),
      violations: result.open,
    },
  });

  const from = '2000-01-01T00:00:00Z';
  for (const format of ['csv', 'json'] as const) {
    const d = await download(server, `format=${format}&from=${from}`);
    const entries = d.entries;
    rows.push({
      scenario: '13 governance and export',
      label: `export ${format === 'csv' ? 'audit trail as CSV' : 'whole report as JSON (chain verified)'}: ${entries.toLocaleString('en-US')} entries`,
      perSecond: (entries / d.ms) * 1000,
      notes: {
        seconds: Math.round(d.ms / 100) / 10,
        MiB: Math.round(d.bytes / 1024 / 1024),
        serverRssBeforeMiB: d.before === null ? 'n/a' : Math.round(d.before),
        serverRssPeakMiB: d.before === null ? 'n/a' : Math.round(d.peak),
      },
    });
  }
  return { rows, goals: [] };
}
