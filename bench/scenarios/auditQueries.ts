import type { Collection } from 'mongodb';
import { entrySearchTexts, searchTerms, type AuditStatus } from '@aegis/shared';
import { hashAuditEntry } from '../../server/src/data/auditChain';
import type { AuditDoc } from '../../server/src/data/models/audit.model';
import type { BenchServer } from '../harness';
import { summarize, timeSequential } from '../stats';
import { fmtMs, type BenchConfig, type Row, type ScenarioResult } from '../types';

const DAY = 86_400_000;
/** The actions of the bulk-inserted entries (scenario 14's replay candidate conditions on them). */
export const BULK_ACTIONS = [
  'lookup_balance',
  'read_customer',
  'send_email',
  'wire_transfer',
  'delete_records',
  'export_data',
];
/** Cumulative status mix: mostly ALLOWED, some BLOCKED, a few of the rest. */
const MIX: Array<[AuditStatus, number]> = [
  ['ALLOWED', 0.7],
  ['BLOCKED', 0.85],
  ['PENDING', 0.9],
  ['APPROVED', 0.94],
  ['DENIED', 0.96],
  ['KILLED', 0.98],
  ['ERROR', 0.995],
  ['TIMEOUT', 1],
];

/**
 * 6. The dashboard's audit queries at `config.audit.entries` entries (1,000,000 in the full run)
 * over 100 agents, through the tRPC procedures over HTTP. The entries are inserted straight into
 * `audit_log` through the driver, in the server's document shape (a decision's: `source`, the
 * canonical arguments in `callArgs`, search `terms`) and continuing its hash chain.
 * Runs last: the server's writer does not know about these ids, so nothing may write after it.
 */
export async function auditQueriesScenario(
  server: BenchServer,
  config: BenchConfig,
): Promise<ScenarioResult> {
  const { agents, batch } = config.audit;
  // A bigger (or smaller) log than the run's default, e.g. for the search scaling measurement.
  const entries = Number(process.env.AEGIS_BENCH_AUDIT_ENTRIES) || config.audit.entries;
  const insert = await bulkInsert(server, entries, agents, batch);
  const rows: Row[] = [
    {
      scenario: '6 audit queries',
      label: `bulk insert of ${entries.toLocaleString('en-US')} entries (driver, batches of ${batch})`,
      perSecond: insert.perSecond,
      notes: { total: insert.total },
    },
  ];

  const { admin } = server;
  const queries: Array<[string, () => Promise<unknown>, boolean]> = [
    [
      'audit.list: last 50 of one agent',
      () => admin.audit.list.query({ agent: 'bulk-agent-042', limit: 50 }),
      true,
    ],
    ['audit.list: last 50 overall', () => admin.audit.list.query({ limit: 50 }), true],
    [
      'audit.list: last 50 with status BLOCKED (15%)',
      () => admin.audit.list.query({ status: ['BLOCKED'], limit: 50 }),
      true,
    ],
    ['stats.get', () => admin.stats.get.query(), true],
    // Activity search (issue 17): whole words through the {terms, id} index, newest 50.
    [
      'search: a word in every entry (customer_id), newest 50',
      () => admin.audit.list.query({ search: 'customer_id', limit: 50 }),
      true,
    ],
    [
      'search: a value in 1 of 50,000 entries (INV-4242)',
      () => admin.audit.list.query({ search: 'INV-4242', limit: 50 }),
      true,
    ],
    [
      'search: two words + agent + status (wire_transfer invoice, BLOCKED)',
      () => admin.audit.list.query({ search: 'wire_transfer invoice', agent: 'bulk-agent-042', status: ['BLOCKED'], limit: 50 }),
      true,
    ],
    [
      '(extra) audit.list: last 50 with status TIMEOUT (0.5%)',
      () => admin.audit.list.query({ status: ['TIMEOUT'], limit: 50 }),
      false,
    ],
    ['(extra) agents.list (dashboard agents page)', () => admin.agents.list.query(), false],
    ['(extra) graph.get: last 24 h (the agent graph)', () => admin.graph.get.query({ range: '24h' }), false],
    ['(extra) graph.get: last 7 d (every entry)', () => admin.graph.get.query({ range: '7d' }), false],
  ];
  const goals = [];
  // graph.get reads every call in its window (seconds per query at 1,000,000 entries): no
  // warm-up for it, so the rows cost a minute or two rather than the whole run.
  const noWarmup = (label: string) => label.includes('graph.get');
  for (const [label, run, isGoal] of queries) {
    for (let i = 0; i < (noWarmup(label) ? 0 : config.audit.warmup); i++) await run();
    const cpu0 = await server.serverCpuMs();
    const samples = await timeSequential(run, {
      warmup: 0,
      n: config.audit.samples,
      maxMs: config.audit.maxMsPerQuery,
    });
    // Server CPU per query: what the query costs, apart from waiting for a busy machine.
    const cpuMs = ((await server.serverCpuMs()) - cpu0) / samples.length;
    const latency = summarize(samples);
    rows.push({
      scenario: '6 audit queries',
      label,
      latency,
      notes: { serverCpuMsPerQuery: Number(cpuMs.toFixed(2)) },
    });
    // Search's goal (issue 17) is 50 ms; the other queries' (issue 1) 5 ms.
    const goalMs = label.startsWith('search') ? 50 : 5;
    if (isGoal)
      goals.push({
        goal: `${label} ≤ ${goalMs} ms (p50)`,
        measured: fmtMs(latency.p50),
        met: latency.p50 <= goalMs,
      });
  }
  return { rows, goals };
}

/**
 * One ordered batch, retried if it fails part-way (a connection lost): an ordered insert stores
 * a prefix of the batch, so the rest is inserted again.
 */
async function insertBatch(audit: Collection<AuditDoc>, docs: AuditDoc[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await audit.insertMany(docs, { ordered: true });
      return;
    } catch (error) {
      if (attempt >= 2) throw error;
      const landed = await audit
        .find({ id: { $gte: docs[0]!.id, $lte: docs.at(-1)!.id } }, { projection: { id: 1 } })
        .sort({ id: -1 })
        .limit(1)
        .next();
      docs = docs.filter((d) => d.id > (landed?.id ?? 0));
      if (docs.length === 0) return;
    }
  }
}

async function bulkInsert(server: BenchServer, count: number, agents: number, batch: number) {
  const audit = server.db.collection<AuditDoc>('audit_log');
  const counters = server.db.collection<{ _id: string; seq: number }>('counters');
  const last = await audit
    .find({}, { projection: { id: 1, hash: 1 } })
    .sort({ id: -1 })
    .limit(1)
    .next();
  const counter = await counters.findOne({ _id: 'audit_log' });
  // Past any id block the server may have reserved, so its ids and ours never collide.
  let id = Math.max(last?.id ?? 0, counter?.seq ?? 0);
  let prevHash: string | null = last?.hash ?? null;
  const start = Date.now() - 7 * DAY;
  const step = (7 * DAY) / count;
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;

  const build = (n: number): AuditDoc[] => {
    const docs: AuditDoc[] = [];
    for (let i = 0; i < n; i++) {
      id++;
      const r = random();
      const status = (MIX.find(([, upTo]) => r < upTo) ?? MIX[0]!)[0];
      const fields = {
        id,
        timestamp: new Date(start + (id % count) * step).toISOString(),
        agent: `bulk-agent-${String(Math.floor(random() * agents)).padStart(3, '0')}`,
        action: BULK_ACTIONS[Math.floor(random() * BULK_ACTIONS.length)] as string,
        status,
        details: status === 'BLOCKED' ? 'Action is blocked by policy' : 'Policy check passed',
        callId: `bulk-${id}`,
        approvalId: null,
        argsPreview: `{"customer_id":${id % 1000},"memo":"invoice INV-${id % 50_000}"}`,
        prevHash,
        // a decision of the server's (policy replay reads these; the writer hashes it)
        source: 'server' as const,
        actor: null,
      };
      const hash = hashAuditEntry(fields);
      docs.push({
        ...fields,
        timestamp: new Date(fields.timestamp),
        hash,
        outcome: null,
        durationMs: null,
        // the call's canonical arguments, kept for history.sum and policy replay (here the same
        // JSON as the preview: the arguments are short)
        callArgs: fields.argsPreview,
        // what the server's writer stores for search
        terms: searchTerms(entrySearchTexts({ ...fields, outcome: null, rule: null })),
      });
      prevHash = hash;
    }
    return docs;
  };

  const t0 = performance.now();
  let pending: Promise<unknown> = Promise.resolve();
  for (let done = 0; done < count; done += batch) {
    const docs = build(Math.min(batch, count - done));
    await pending;
    // Build the next batch while this one is being written.
    pending = insertBatch(audit, docs);
    if (count >= 200_000 && (done + batch) % 100_000 === 0) {
      process.stderr.write(`bench: 6 inserted ${(done + batch).toLocaleString('en-US')} of ${count.toLocaleString('en-US')}\n`);
    }
  }
  await pending;
  const seconds = (performance.now() - t0) / 1000;
  await counters.updateOne({ _id: 'audit_log' }, { $set: { seq: id } }, { upsert: true });
  return { perSecond: count / seconds, total: await audit.estimatedDocumentCount() };
}
