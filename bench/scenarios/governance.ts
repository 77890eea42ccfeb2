import { readFile } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
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

/**
 * Pings the server (`health.check`, no auth, no database) one request at a time while something
 * else runs; `stop()` gives the slowest answer. The server has one thread: a long synchronous
 * stretch (a store scan) holds every request, a decision or a kill-switch alike, for that long.
 */
export function watchStalls(server: BenchServer): {
  stop: () => Promise<{ longestMs: number; pings: number }>;
} {
  let running = true;
  let longestMs = 0;
  let pings = 0;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      await fetch(`${server.url}/trpc/health.check`)
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
      longestMs = Math.max(longestMs, performance.now() - t0);
      pings++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { longestMs: Math.round(longestMs), pings };
    },
  };
}

/**
 * Streams a download to nowhere, sampling the server's memory; returns bytes, lines, time, time
 * to the first byte (the report's head is built before anything is sent) and peak RSS. Plain
 * node:http: fetch gives up on a response whose headers take over 300 s (undici's default), and
 * at 1,000,000 entries the head — the chain verified, every manifest built — can take that long.
 */
async function download(server: BenchServer, query: string) {
  const before = await rssMiB(server.serverPid);
  let peak = before ?? 0;
  const sampler = setInterval(() => {
    void rssMiB(server.serverPid).then((m) => {
      if (m !== null && m > peak) peak = m;
    });
  }, 50);
  const t0 = performance.now();
  try {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = get(
        `${server.url}/export/report?${query}`,
        { headers: { authorization: `Bearer ${server.adminKey}` } },
        resolve,
      );
      req.on('error', reject);
    });
    const firstByteMs = performance.now() - t0;
    if (res.statusCode !== 200) throw new Error(`export ${query}: ${res.statusCode}`);
    let bytes = 0;
    let lines = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      for (const b of chunk) if (b === 10) lines++;
    }
    const ms = performance.now() - t0;
    // Text reports send the count as a trailer (they answer before it is known), PDF as a header.
    const counted = Number(
      res.trailers['x-aegis-entries'] ?? res.headers['x-aegis-entries'] ?? NaN,
    );
    return {
      ms,
      firstByteMs,
      bytes,
      lines,
      before,
      peak,
      entries: Number.isFinite(counted) ? counted : lines - 1,
    };
  } finally {
    clearInterval(sampler);
  }
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
  const r0 = performance.now();
  const registering = watchStalls(server);
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
  // The registrations scheduled evaluations of their own (a declaration changed): let them finish
  // so the timed ones below run alone.
  const s0 = performance.now();
  await server.settle();
  const settleMs = performance.now() - s0;
  const registered = await registering.stop();
  const registerMs = performance.now() - r0;
  const rows: Row[] = [];
  const times: number[] = [];
  let result = { agents: 0, open: 0, opened: 0, resolved: 0 };
  const evaluating = watchStalls(server);
  for (let i = 0; i < evaluations; i++) {
    const t0 = performance.now();
    result = await admin.governance.evaluate.mutate({});
    times.push(performance.now() - t0);
  }
  const evaluated = await evaluating.stop();
  const best = Math.min(...times);
  rows.push({
    scenario: '13 governance and export',
    label: `governance evaluation of every agent (${result.agents.toLocaleString('en-US')} agents, built-in pack)`,
    perSecond: (result.agents / best) * 1000,
    notes: {
      bestMs: Math.round(best),
      runs: times.map((t) => Math.round(t)).join(' / '),
      violations: result.open,
      longestHealthCheckMs: evaluated.longestMs,
    },
  });
  rows.push({
    scenario: '13 governance and export',
    label: `registering ${agents.toLocaleString('en-US')} agents with declared tools (each schedules an evaluation)`,
    perSecond: (agents / registerMs) * 1000,
    notes: {
      seconds: Math.round(registerMs / 100) / 10,
      lastScheduledEvaluationMs: Math.round(settleMs),
      longestHealthCheckMs: registered.longestMs,
    },
  });

  const from = '2000-01-01T00:00:00Z';
  for (const format of ['csv', 'json'] as const) {
    const exporting = watchStalls(server);
    const d = await download(server, `format=${format}&from=${from}`);
    const stalls = await exporting.stop();
    const entries = d.entries;
    rows.push({
      scenario: '13 governance and export',
      label: `export ${format === 'csv' ? 'audit trail as CSV' : 'whole report as JSON (chain verified)'}: ${entries.toLocaleString('en-US')} entries`,
      perSecond: (entries / d.ms) * 1000,
      notes: {
        seconds: Math.round(d.ms / 100) / 10,
        firstByteSeconds: Math.round(d.firstByteMs / 100) / 10,
        MiB: Math.round(d.bytes / 1024 / 1024),
        serverRssBeforeMiB: d.before === null ? 'n/a' : Math.round(d.before),
        serverRssPeakMiB: d.before === null ? 'n/a' : Math.round(d.peak),
        longestHealthCheckMs: stalls.longestMs,
      },
    });
  }
  return { rows, goals: [] };
}
