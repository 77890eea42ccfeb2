import { maskValue, scanValue } from '@aegis/shared';
import { summarize, type Summary } from '../stats';
import type { BenchConfig, GoalCheck, Row, ScenarioResult } from '../types';

const SENTENCES = [
  'Customer asked about the recent debit at the grocery store on 2026-11-18 for $45.12.',
  'Balance on checking account 1004 is $2,345.12 after payroll deposit.',
  'Please flag the international wire transfer of $4,850.00 for review.',
  'Card on file 4111 1111 1111 1111, contact maria.garcia@example.com or (503) 555-0123.',
  'Loan application for a used car, term 36 months, requested amount $12,500.',
  'Verified identity with the customer by phone before discussing the account.',
];

/** Tool arguments of about `bytes` of JSON: ids, amounts, a free-text note and a few PII fields. */
export function dlpArgs(bytes: number): Record<string, unknown> {
  const base = {
    customer_id: 3,
    account_id: 1004,
    amount: 4850,
    channel: 'email',
    date_of_birth: '1987-06-14',
    ssn_last4: '4821',
    message: '',
    history: [] as Array<Record<string, unknown>>,
  };
  let i = 0;
  while (JSON.stringify(base).length < Math.min(bytes, 900))
    base.message += `${SENTENCES[i++ % SENTENCES.length]} `;
  while (JSON.stringify(base).length < bytes) {
    base.history.push({
      transaction_id: i,
      date: '2026-11-01',
      description: 'Grocery Store',
      amount: 12.5 + i,
      note: SENTENCES[i % SENTENCES.length],
    });
    i++;
  }
  return base;
}

export interface DlpScanMeasurement {
  label: string;
  bytes: number;
  latency: Summary;
  mbPerSecond: number;
  findings: number;
}

/**
 * Scans (and masks, as the audit preview does) 1 KiB and 64 KiB arguments in process, one call
 * at a time. No server: this is the CPU a decision pays for DLP, in strict and local mode alike.
 */
export function measureDlpScan(opts: {
  n1k: number;
  n64k: number;
  warmup: number;
}): DlpScanMeasurement[] {
  const out: DlpScanMeasurement[] = [];
  for (const [bytes, n] of [
    [1024, opts.n1k],
    [64 * 1024, opts.n64k],
  ] as const) {
    const args = dlpArgs(bytes);
    const size = JSON.stringify(args).length;
    for (const [label, fn] of [
      ['scanValue', () => scanValue(args)],
      ['maskValue (preview)', () => maskValue(args)],
    ] as const) {
      for (let i = 0; i < opts.warmup; i++) fn();
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        fn();
        samples.push(performance.now() - t0);
      }
      const latency = summarize(samples);
      out.push({
        label: `${label}, ${size >= 65536 ? '64 KiB' : '1 KiB'} arguments`,
        bytes: size,
        latency,
        mbPerSecond: size / 1e6 / (latency.p50 / 1000),
        findings: scanValue(args).length,
      });
    }
  }
  return out;
}

/** Local mode decides in ~11 µs today (bench scenario 1c); its goal with DLP on is ≤ 25 µs. */
const LOCAL_DLP_BUDGET_MS = 0.013;

/** Scenario 7: DLP scanning cost (issue 15). */
export function dlpScanScenario(_server: unknown, config: BenchConfig): Promise<ScenarioResult> {
  const measured = measureDlpScan(
    config.quick
      ? { n1k: 2_000, n64k: 50, warmup: 200 }
      : { n1k: 20_000, n64k: 500, warmup: 2_000 },
  );
  const rows: Row[] = measured.map((m) => ({
    scenario: '7 dlp scan',
    label: m.label,
    latency: m.latency,
    notes: { bytes: m.bytes, MBps: Number(m.mbPerSecond.toFixed(1)), findings: m.findings },
  }));
  const scan1k = measured.find((m) => m.label.startsWith('scanValue, 1 KiB'));
  const goals: GoalCheck[] = scan1k
    ? [
        {
          goal: 'DLP scan of 1 KiB arguments p50 ≤ 13 µs (keeps local mode, ~11 µs today, within 25 µs)',
          measured: `${(scan1k.latency.p50 * 1000).toFixed(1)} µs`,
          met: scan1k.latency.p50 <= LOCAL_DLP_BUDGET_MS,
        },
      ]
    : [];
  return Promise.resolve({ rows, goals });
}
