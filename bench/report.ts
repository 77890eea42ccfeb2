import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fmtMs, type GoalCheck, type Row } from './types';

export interface BenchReport {
  startedAt: string;
  quick: boolean;
  durationS: number;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string; loadAvg?: number[] };
  rows: Row[];
  goals: GoalCheck[];
  /** Scenarios that threw, by name. */
  failures: Record<string, string>;
  /** Background errors of the SDK clients (failed outcome reports…), message → count. */
  backgroundErrors: Record<string, number>;
  /** Whatever bench/store.ts returned (the embedded store's own numbers), when it exists. */
  store?: unknown;
}

export function machine(): BenchReport['machine'] {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));
const padStart = (text: string, width: number) => (text.length >= width ? text : ' '.repeat(width - text.length) + text);

/** The human-readable table. */
export function formatTable(report: BenchReport): string {
  const header = ['scenario', 'measurement', 'n', 'p50', 'p95', 'p99', 'ops/s', 'notes'];
  const lines = report.rows.map((r) => [
    r.scenario,
    r.label,
    r.latency ? String(r.latency.n) : '',
    r.latency ? fmtMs(r.latency.p50) : '',
    r.latency ? fmtMs(r.latency.p95) : '',
    r.latency ? fmtMs(r.latency.p99) : '',
    r.perSecond !== undefined ? Math.round(r.perSecond).toLocaleString('en-US') : '',
    r.notes ? Object.entries(r.notes).map(([k, v]) => `${k}=${String(v)}`).join(' ') : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const numeric = new Set([2, 3, 4, 5, 6]);
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (numeric.has(i) ? padStart(c, widths[i] ?? 0) : pad(c, widths[i] ?? 0))).join('  ').trimEnd();
  const out = [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)];

  out.push('', 'Goals (issues 8, 14, 15, 17 and 19):');
  const goalWidth = Math.max(...report.goals.map((g) => g.goal.length));
  for (const g of report.goals) out.push(`  ${g.met ? 'MET  ' : 'UNMET'}  ${pad(g.goal, goalWidth)}  ${g.measured}`);
  for (const [name, message] of Object.entries(report.failures)) out.push(`  FAILED scenario ${name}: ${message}`);
  for (const [kind, count] of Object.entries(report.backgroundErrors)) out.push(`  SDK background error ×${count}: ${kind}`);
  const m = report.machine;
  // Other work on a shared machine skews every time above; the load average says how much.
  const load = m.loadAvg ? `; load average at the end ${m.loadAvg.map((l) => l.toFixed(1)).join(' ')}` : '';
  out.push('', `${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, node ${m.node}; ${report.quick ? 'quick' : 'full'} run took ${report.durationS.toFixed(0)} s${load}`);
  return out.join('\n');
}

/** Writes bench/results/<timestamp>.json and returns its path. */
export async function writeJson(report: BenchReport, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${report.startedAt.replace(/[:.]/g, '-')}${report.quick ? '-quick' : ''}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
