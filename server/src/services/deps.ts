import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Repos } from '../data/repos';
import type { ApprovalDoc } from '../data/repos/approvals.repo';
import type { EventBus } from '../events/bus';
import type { ActivityIndex } from './activityIndex';
import type { Binder } from './args';
import type { EvaluationObserver } from './evaluateCall';
import type { BlockWindow } from './blockWindow';
import type { Locks } from './clusterMutex';
import type { PolicyCache } from './policyCache';

/** What every domain service is built from. */
export interface ServiceDeps {
  repos: Repos;
  bus: EventBus;
  cache: PolicyCache;
  activity: ActivityIndex;
  blocks: BlockWindow;
  /** Cross-server locks for read-then-write steps (a database lease per key). */
  locks: Locks;
  connection: Connection;
  logger: Logger;
  approvalTtlMs: number;
  /**
   * Open approvals one agent may have: past it a call that would open another is refused, so one
   * agent key can't bury reviewers (and their inboxes) under thousands of requests.
   */
  maxPendingApprovals: number;
  /** What an approval for a call is bound to (keyed with the installation's secret). */
  bind: Binder;
  /** The oldest report (local-mode record) taken: what the SDK's spool may replay. */
  reportMaxAgeMs: number;
  /** The largest canonical JSON of a call's arguments a decision takes (AEGIS_MAX_ARGS_BYTES). */
  maxArgsBytes: number;
  /** Told of new approvals (notify/: channels, links, escalation); set once the notifier starts. */
  hooks?: ServiceHooks;
}

export interface ServiceHooks {
  approvalOpened?: (approval: ApprovalDoc) => void;
  /**
   * The notification channels there are (notify/): a policy whose rules name another is refused
   * when saved. Unset (no notifier, e.g. router tests): names are not checked.
   */
  channelNames?: () => Promise<string[]>;
  /** Each decision's policy evaluation, timed (the metrics). */
  policyEvaluated?: EvaluationObserver;
}
