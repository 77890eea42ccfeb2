import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Connection } from 'mongoose';
import { inProcessStoreOf } from '../data/storeCommands';

/** Distinct agent or action names a label keeps before folding the rest into "other". */
export const MAX_LABEL_VALUES = 200;

/**
 * Caps a label's cardinality: the first `max` distinct values are kept, every later one becomes
 * "other", so a misbehaving agent inventing action names cannot blow up the scrape (or Prometheus).
 */
export class LabelCap {
  private readonly seen = new Set<string>();
  constructor(private readonly max = MAX_LABEL_VALUES) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(value);
    return value;
  }
}

/** What the gauges read when scraped (the writer's queue, the event bus, the database). */
export interface MetricSources {
  auditQueueDepth(): number;
  sseSubscribers(): number;
  connection: Connection;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const WAIT_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600];

/**
 * This server process's Prometheus metrics (one registry per app, so several servers in one test
 * process don't mix). Counters and histograms are per process, as Prometheus expects: with
 * several servers on one database, scrape each and sum. The database gauges (pending approvals,
 * paused agents) read the shared database, so every server reports the same value: use max().
 */
export class AegisMetrics {
  readonly registry = new Registry();
  private readonly agents = new LabelCap();
  private readonly actions = new LabelCap();
  private sources: MetricSources | null = null;

  private readonly decisions = new Counter({
    name: 'aegis_decisions_total',
    help: 'Tool calls decided by this server, by verdict, agent and action (names capped; the rest is "other")',
    labelNames: ['verdict', 'agent', 'action'] as const,
    registers: [this.registry],
  });
  private readonly decisionSeconds = new Histogram({
    name: 'aegis_decision_duration_seconds',
    help: 'Time to decide a tool call on the server (policy, approval lookups, audit write)',
    labelNames: ['verdict'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly policySeconds = new Histogram({
    name: 'aegis_policy_evaluation_seconds',
    help: 'Time to evaluate a decision\'s policy: "memory" (rules and DLP facts: CPU only) or "store" (a rule read history or session facts)',
    labelNames: ['facts'] as const,
    buckets: [0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1],
    registers: [this.registry],
  });
  private readonly approvalWait = new Histogram({
    name: 'aegis_approval_wait_seconds',
    help: 'From an approval being opened to a person deciding it',
    labelNames: ['decision'] as const,
    buckets: WAIT_BUCKETS,
    registers: [this.registry],
  });
  private readonly groupSize = new Histogram({
    name: 'aegis_audit_group_commit_size',
    help: 'Audit entries stored by one insert (group commit)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 500],
    registers: [this.registry],
  });
  private readonly rateLimited = new Counter({
    name: 'aegis_rate_limited_total',
    help: 'Requests refused with 429 by the per-key rate limits',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  private readonly storeSeconds = new Histogram({
    name: 'aegis_store_operation_duration_seconds',
    help: 'Database commands as the driver saw them (round trip), by command and outcome',
    labelNames: ['command', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    const sources = () => this.sources;
    new Gauge({
      name: 'aegis_audit_write_queue_depth',
      help: 'Audit entries waiting for the writer in this process',
      registers: [this.registry],
      collect() {
        this.set(sources()?.auditQueueDepth() ?? 0);
      },
    });
    new Gauge({
      name: 'aegis_sse_subscribers',
      help: 'Live event subscriptions (dashboard and SDK streams) on this server',
      registers: [this.registry],
      collect() {
        this.set(sources()?.sseSubscribers() ?? 0);
      },
    });
    new Gauge({
      name: 'aegis_pending_approvals',
      help: 'Approvals waiting for a person (database-wide)',
      registers: [this.registry],
      async collect() {
        const conn = sources()?.connection;
        if (conn)
          this.set(await conn.collection('approvals').countDocuments({ status: 'PENDING' }));
      },
    });
    new Gauge({
      name: 'aegis_paused_agents',
      help: 'Agents stopped by the kill-switch (database-wide)',
      registers: [this.registry],
      async collect() {
        const conn = sources()?.connection;
        if (conn) this.set(await conn.collection('agents').countDocuments({ status: 'PAUSED' }));
      },
    });
  }

  /** Wires the gauges to what they read (once the services exist). */
  attach(sources: MetricSources): void {
    this.sources = sources;
    // The driver times every command it sends; observing its events costs no extra round trip.
    const client = sources.connection.getClient();
    client.on('commandSucceeded', (e) =>
      this.storeSeconds.observe({ command: e.commandName, outcome: 'ok' }, e.duration / 1000),
    );
    client.on('commandFailed', (e) =>
      this.storeSeconds.observe({ command: e.commandName, outcome: 'error' }, e.duration / 1000),
    );
    // Writes sent to the embedded store in process never reach the driver's events.
    inProcessStoreOf(sources.connection)?.observe((command, seconds, ok) =>
      this.storeSeconds.observe({ command, outcome: ok ? 'ok' : 'error' }, seconds),
    );
  }

  /** Bound once: observing through a label object hashes it on every call (each decision). */
  private readonly policyIn = {
    memory: this.policySeconds.labels({ facts: 'memory' }),
    store: this.policySeconds.labels({ facts: 'store' }),
  };

  policyEvaluated(seconds: number, facts: 'memory' | 'store'): void {
    this.policyIn[facts].observe(seconds);
  }

  decided(verdict: string, agent: string, action: string, seconds: number): void {
    this.decisions.inc({ verdict, agent: this.agents.of(agent), action: this.actions.of(action) });
    this.decisionSeconds.observe({ verdict }, seconds);
  }

  approvalDecided(decision: string, createdAt: string, decidedAt: string | null): void {
    const wait = (Date.parse(decidedAt ?? '') - Date.parse(createdAt)) / 1000;
    if (Number.isFinite(wait) && wait >= 0) this.approvalWait.observe({ decision }, wait);
  }

  auditGroupCommitted(size: number): void {
    this.groupSize.observe(size);
  }

  refused(limit: 'decide' | 'reports'): void {
    this.rateLimited.inc({ limit });
  }

  /** The Prometheus text exposition. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
