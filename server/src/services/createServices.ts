import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { AuditEntry, StoreAccess } from '@aegis/shared';
import { createRepos } from '../data/repos';
import { EventBus } from '../events/bus';
import { ChangeFeed, newServerId } from '../events/changeFeed';
import { ActivityIndex } from './activityIndex';
import { createAgentService } from './agents';
import { BlockWindow } from './blockWindow';
import { createApprovalService } from './approvals';
import { createBinder } from './args';
import { createAuditService } from './audit';
import { createInvestigationService } from './investigation';
import { createDecisionService } from './decisions';
import { createResultService } from './results';
import { createDemoService } from './demo';
import { ClusterMutex } from './clusterMutex';
import { createPolicyService } from './policies';
import { createProposalService } from './proposals';
import { createPolicyTrials } from './policyTrials';
import { createRulePolicyService } from './rulePolicies';
import { createRegistration, type RegistrationMode } from './registration';
import { PolicyCache } from './policyCache';
import { createStatsService } from './stats';
import { createGraphService } from './graph';
import { createToolPinService } from './toolPins';
import { createAnalyticsService } from './analytics/service';
import { RollupRecorder } from './analytics/rollupRecorder';
import { ensureRollups } from './analytics/rebuild';
import { recoverWriters } from './analytics/recoverWriters';
import { watchAnomalies } from './analytics/anomalyWatch';
import { createGovernanceService } from './governance';
import { createComplianceService } from './compliance';
import { GovernanceSchedule } from './governanceSchedule';
import { GovernanceTriggers } from './governanceTriggers';
import { createManifestService } from './manifests';
import type { Services } from './types';
import type { ServiceHooks } from './deps';
import type { AegisMetrics } from '../observability/metrics';
import {
  instrumentServices,
  traceAuditWrites,
  withMetricHooks,
} from '../observability/instrumentServices';

export interface ServicesHandle {
  services: Services;
  bus: EventBus;
  /** Another server changed API keys: drop cached principals (set by the auth service). */
  onKeysChanged(listener: () => void): void;
  /**
   * Waits until the background work caused by what has happened so far is written: queued audit
   * writes, their rollups, and a pending governance evaluation (run now, not after its debounce).
   */
  settle(): Promise<void>;
  /** Waits for queued audit writes and stops the expiry sweep and the change feed. */
  close(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 15_000;
/** How often a server looks for stopped servers' uncounted entries. */
const RECOVERY_INTERVAL_MS = 60_000;
const DEFAULT_MAX_PENDING_APPROVALS = 200;

/** Builds every domain service on one mongoose connection. */
export async function createServices(opts: {
  connection: Connection;
  logger: Logger;
  approvalTtlMs: number;
  maxPendingApprovals?: number;
  /** The installation's approval-binding key (auth/bindingSecret.ts). */
  bindingSecret: Buffer;
  /** What `demo.store` tells admins about reaching this database. */
  storeAccess: StoreAccess;
  /** AEGIS_MAX_ARGS_BYTES: larger canonical arguments are refused with 413 (default 64 KiB). */
  maxArgsBytes?: number;
  /** AEGIS_REPORT_MAX_AGE_MS: reports dated earlier are refused (default 24 h). */
  reportMaxAgeMs?: number;
  /** AEGIS_AGENT_REGISTRATION (default open: an agent key may declare its agent's first policy). */
  registration?: RegistrationMode;
  /** AEGIS_GOVERNANCE_INTERVAL_MS: how often every agent's governance is re-evaluated (default 10 min). */
  governanceIntervalMs?: number;
  /** This server's Prometheus metrics (observability/metrics.ts); none in bare service tests. */
  metrics?: AegisMetrics;
  /** AEGIS_ROLLUPS=off: keep no analytics rollups (the bench's comparison); on by default. */
  rollups?: boolean;
  /** How often anomalies are looked for (AEGIS_ANOMALY_SCAN_MS; 0: never). */
  anomalyScanMs?: number;
  /** Filled in by the notifier (notify/): told of every approval opened. */
  hooks?: ServiceHooks;
}): Promise<ServicesHandle> {
  const bus = new EventBus(10_000, (error) =>
    opts.logger.error({ err: error }, 'event listener failed'),
  );
  let activity: ActivityIndex | null = null;
  let blocks: BlockWindow | null = null;
  let feed: ChangeFeed | null = null;
  let recorder: RollupRecorder | null = null;
  // Entries reach this server's listeners at once, whoever wrote them: ours as they are written,
  // other servers' from the change feed (each once: the feed's stream leaves ours out).
  const serverId = newServerId();
  const audited = (entries: AuditEntry[]) => {
    for (const entry of entries) {
      activity?.record(entry);
      blocks?.record(entry);
    }
    bus.emitAudit(entries);
  };
  const repos = await createRepos(opts.connection, {
    onAuditWritten: (entries, docs) => {
      opts.metrics?.auditGroupCommitted(entries.length);
      // Only the entries this server wrote (never the change feed's): each is counted once. As
      // stored: the rollups count the tools' declared tags too.
      recorder?.record(docs);
      audited(entries);
    },
    onResultsWritten: (late) => recorder?.recordResults(late),
    writerId: serverId,
  });
  traceAuditWrites(repos.audit);
  // Outcomes a server stopped before sealing (a crash between the two writes): sealed in the
  // background, so a restart of a busy server (up to two minutes of marks to look at) or a
  // failed sweep never keeps the firewall from answering. The marks are in the database: until
  // a sweep gets to them, verification reports those outcomes as pending, not as forged.
  const sealsRecovered = repos.audit
    .sealPendingOutcomes()
    .then((sealed) => {
      if (sealed > 0)
        opts.logger.warn(
          { sealed },
          'sealed outcomes a stopped server had left unsealed (marked recovered)',
        );
    })
    .catch((error: unknown) => {
      opts.logger.error(
        { err: error },
        'unsealed outcomes could not be sealed now; the next sweep retries',
      );
    });
  let rollupsRebuilt: Promise<boolean> | null = null;
  if (opts.rollups !== false) {
    recorder = new RollupRecorder(repos, opts.logger, undefined, serverId);
    await recorder.start();
    rollupsRebuilt = ensureRollups(repos, opts.logger).catch((error: unknown) => {
      opts.logger.error({ err: error }, 'analytics rollups could not be rebuilt');
      return false;
    });
  }
  activity = new ActivityIndex(
    repos.audit,
    recorder ? { repo: repos.rollups, settled: async () => recorder?.drain() } : null,
  );
  blocks = new BlockWindow(repos.audit);
  const deps = {
    repos,
    bus,
    cache: new PolicyCache(repos),
    activity,
    blocks,
    locks: new ClusterMutex(repos.leases),
    connection: opts.connection,
    logger: opts.logger,
    approvalTtlMs: opts.approvalTtlMs,
    maxPendingApprovals: opts.maxPendingApprovals ?? DEFAULT_MAX_PENDING_APPROVALS,
    bind: createBinder(opts.bindingSecret),
    reportMaxAgeMs: opts.reportMaxAgeMs ?? 24 * 3600_000,
    maxArgsBytes: opts.maxArgsBytes ?? 64 * 1024,
    hooks: opts.metrics ? withMetricHooks(opts.hooks ?? {}, opts.metrics) : opts.hooks,
  };
  const policies = createPolicyService(deps);
  const approvals = createApprovalService(deps, policies);
  const decisions = createDecisionService(deps);
  const results = createResultService(deps);
  let schedule: GovernanceSchedule | null = null;
  const manifests = createManifestService(
    deps,
    policies,
    (agent) => schedule?.soon(agent),
    opts.rollups === false ? null : { settled: async () => recorder?.drain() },
  );
  const governance = createGovernanceService(deps, manifests);
  schedule = new GovernanceSchedule(
    async (agents) => {
      // While the rollups are rebuilt (a newer layout at start-up), evaluating every agent would
      // read the whole log instead — over an hour of CPU at 10,000,000 entries, started again
      // every ten minutes. The rebuild's end schedules the evaluation; one agent's (a
      // registration's) reads only its own entries and goes ahead.
      if (agents === undefined && recorder && !(await repos.rollups.current())) {
        opts.logger.info('governance evaluation waits for the analytics rollups to be rebuilt');
        return;
      }
      await governance.evaluate(agents);
    },
    opts.logger,
    { intervalMs: opts.governanceIntervalMs },
  );
  void rollupsRebuilt?.then((rebuilt) => rebuilt && schedule?.soon());
  // The declaration (tools, tags, model…) is kept beside the agent for its manifest, stored with
  // the registration's policy change (one version when both change).
  const agents = createAgentService(
    deps,
    createRegistration({ ...deps, registration: opts.registration ?? 'open' }, policies),
    (input, actor) => manifests.applyDeclaration(input.name, input, actor),
  );
  const services: Services = {
    toolPins: createToolPinService(deps),
    manifests,
    governance,
    compliance: createComplianceService(deps, {
      manifests,
      governance,
      // called later, once `services` exists
      policyHistory: (agent, limit) => services.policies.history(agent, limit),
      verify: () => services.audit.verify(),
    }),
    agents,
    policies: {
      ...policies,
      ...createProposalService(deps, policies),
      ...createRulePolicyService(deps, policies),
      ...createPolicyTrials(deps),
    },
    audit: createAuditService(deps),
    investigation: createInvestigationService(deps, approvals),
    approvals,
    decisions: {
      ...decisions,
      judgeResult: (input, actor) => results.judge(input, actor),
      resultPolicy: (agent) => results.resultPolicy(agent),
    },
    stats: createStatsService(
      deps,
      opts.rollups === false ? null : { settled: async () => recorder?.drain() },
    ),
    graph: createGraphService(
      deps,
      opts.rollups === false ? null : { settled: async () => recorder?.drain() },
    ),
    analytics: createAnalyticsService(
      deps,
      async () => recorder?.drain(),
      () => schedule?.soon(),
    ),
    events: {
      onChange: (listener) => bus.onChange(listener),
      onAudit: (listener) => bus.onAudit(listener),
      changesSince: (seq, origin) => bus.changesSince(seq, origin),
      changeId: (seq) => bus.changeId(seq),
    },
    demo: createDemoService(deps, {
      storeAccess: opts.storeAccess,
      onReset: () => decisions.forgetCalls(),
    }),
  };

  if (opts.metrics) {
    instrumentServices(services, opts.metrics);
    opts.metrics.attach({
      auditQueueDepth: () => repos.audit.queueDepth(),
      sseSubscribers: () => bus.listenerCount,
      connection: opts.connection,
    });
  }

  let keysChanged = () => {};
  // Forget what this server derived from data another server just wiped or may have changed.
  const forgetLocal = () => {
    deps.cache.invalidate();
    activity?.reset();
    blocks?.reset();
    decisions.forgetCalls();
    repos.audit.forgetHead();
  };
  feed = await ChangeFeed.start(
    serverId,
    opts.connection,
    {
      audit: (entry) => audited([entry]),
      change: (event) => {
        if (event.type === 'governance.reset') forgetLocal();
        else if (event.type === 'agent.status' || event.type === 'policy.changed')
          deps.cache.invalidate(event.agent);
        bus.deliver(event);
      },
      policiesChanged: () => deps.cache.invalidate(),
      keysChanged: () => keysChanged(),
      restarted: () => {
        forgetLocal();
        keysChanged();
      },
    },
    opts.logger,
  );
  if (feed) {
    const live = feed;
    bus.publisher = (event) => {
      live
        .publish(event)
        .catch((error: unknown) =>
          opts.logger.error({ err: error, type: event.type }, 'could not publish a change event'),
        );
    };
  }
  const triggers = new GovernanceTriggers();
  // Manifests change with registrations and policies; governance follows (any server's change).
  bus.onChange((event) => {
    if (event.type === 'agent.registered' || event.type === 'policy.changed')
      schedule?.soon(event.agent);
    else if (event.type === 'policy.global.changed' || event.type === 'governance.reset')
      schedule?.soon();
    if (event.type === 'governance.reset') triggers.forget();
  });
  // Calls that can open a violation at once (a tool's first blocked attempt, a kind of personal
  // data first seen on it); the rest of what traffic changes (use, unused permissions) the
  // schedule picks up, keeping the hot path light.
  bus.onAudit((entry) => {
    if (triggers.isNews(entry)) schedule?.soon(entry.agent);
  });
  const sweep = setInterval(() => {
    approvals
      .expireOverdue()
      .catch((error: unknown) => opts.logger.warn({ err: error }, 'approval expiry sweep failed'));
  }, SWEEP_INTERVAL_MS);
  sweep.unref();
  // Entries of servers that stopped before counting them (see recoverWriters.ts): once the
  // rollups are known to be current, then every minute.
  const recoverRollups = () =>
    recoverWriters(repos, opts.logger, serverId).catch((error: unknown) =>
      opts.logger.warn({ err: error }, 'counting a stopped server’s entries failed; retried'),
    );
  const recovery = recorder ? setInterval(() => void recoverRollups(), RECOVERY_INTERVAL_MS) : null;
  recovery?.unref();
  const recovered = rollupsRebuilt?.then(recoverRollups);
  const stopAnomalies =
    opts.rollups !== false && (opts.anomalyScanMs ?? 60_000) > 0
      ? watchAnomalies(repos, bus, opts.logger, opts.anomalyScanMs ?? 60_000)
      : () => {};

  return {
    services,
    bus,
    onKeysChanged(listener) {
      keysChanged = listener;
    },
    async settle() {
      await sealsRecovered;
      await repos.audit.drain();
      await recorder?.drain();
      await schedule?.flush();
      // An evaluation may itself audit (a violation opened): let those land too.
      await repos.audit.drain();
      await recorder?.drain();
    },
    async close() {
      await sealsRecovered;
      clearInterval(sweep);
      if (recovery) clearInterval(recovery);
      await recovered;
      stopAnomalies();
      await schedule?.close();
      await feed?.close();
      await repos.audit.drain();
      await recorder?.stop();
    },
  };
}
