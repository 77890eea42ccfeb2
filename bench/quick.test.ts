import { describe, expect, it } from 'vitest';
import { runBench } from './runBench';

/**
 * Keeps `npm run bench` from rotting: the quick run must complete and produce every scenario's
 * numbers. It measures; it never asserts a time (the machines are shared and noisy).
 */
describe('npm run bench -- --quick', () => {
  it('runs every scenario and reports its numbers', { timeout: 900_000 }, async () => {
    const report = await runBench({ quick: true, log: () => undefined });
    expect(report.failures).toEqual({});
    const scenarios = new Set(report.rows.map((r) => r.scenario));
    expect([...scenarios].sort()).toEqual(
      [
        '1 overhead',
        '2 throughput',
        '3 kill-switch',
        '4 approval resume',
        '5 live feed',
        '6 audit queries',
        '7 dlp scan',
        '8 store transport',
        '9 dlp decide',
        '10 mcp gateway',
        '11 several servers',
        '12 tracing',
        '13 governance and export',
        '14 policy engine',
        '15 rollup cost',
      ].sort(),
    );
    for (const row of report.rows) {
      if (row.latency) expect(row.latency.n, row.label).toBeGreaterThan(0);
      if (row.latency) expect(Number.isFinite(row.latency.p99), row.label).toBe(true);
      if (row.perSecond !== undefined) expect(row.perSecond, row.label).toBeGreaterThan(0);
    }
    const stored = report.rows
      .filter((r) => r.scenario === '2 throughput')
      .map((r) => r.notes?.allStored);
    expect(stored).toEqual([true, true, true, true]);
    expect(report.goals.length).toBeGreaterThan(0);
    // The policy engine (issue 14): decisions, local mode, compile, and replay over scenario 6's entries
    const policyRows = report.rows.filter((r) => r.scenario === '14 policy engine');
    expect(policyRows.some((r) => r.label.startsWith('policies.replay') && (r.notes?.evaluated as number) >= 18_000)).toBe(true);
    expect(policyRows.find((r) => r.label.startsWith('local guard(), 100-rule'))?.notes?.allDecidedByIt).toBe(true);
    // Activity search (issue 17) is measured in scenario 6
    expect(report.rows.filter((r) => r.scenario === '6 audit queries' && r.label.startsWith('search')).length).toBe(3);
    // and the analytics pages over the rollups rebuilt after its bulk insert, with their goals
    const auditRows = report.rows.filter((r) => r.scenario === '6 audit queries');
    expect(auditRows.find((r) => r.label.startsWith('analytics.rebuild'))?.notes?.entries as number).toBeGreaterThanOrEqual(20_000);
    expect(auditRows.filter((r) => r.label.startsWith('analytics.')).length).toBe(9);
    expect(auditRows.filter((r) => r.label.includes('stats.timeline')).length).toBe(2);
    expect(report.goals.filter((g) => g.goal.startsWith('analytics.')).length).toBe(8);
    // a quick run replays far fewer than the 1,000,000 entries the replay goal names
    expect(report.goals.find((g) => g.goal.startsWith('policy: replay'))?.met).toBe(false);
  });
});
