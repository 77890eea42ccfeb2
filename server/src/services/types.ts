import type { AuditVerifyResult } from '../auth/types';
import type { ChannelService } from '../notify/channels';
import type { ActionNote } from './actions';
import type { ToolPinService } from './toolPins';
import type { AnalyticsService } from './analytics/service';
import type { ComplianceService } from './compliance';
import type { GovernanceService } from './governance';
import type { ManifestService } from './manifests';
import type {
  AuditVerifyInput,
  AgentLabels,
  AgentGraph,
  GraphInput,
  RangePreset,
  RecordBatchInput,
  RecordBatchResult,
  GlobalPolicyDocument,
  ResultAnswer,
  ResultInput,
  ActivityTimeline,
  Agent,
  AgentPolicy,
  AgentPolicyView,
  AgentStatus,
  AppliedPolicy,
  ApplyPolicyResult,
  PolicyVersionInfo,
  ReplayPolicyResult,
  StoredPolicy,
  TryPolicyResult,
  AgentSummary,
  Approval,
  ApprovalStatus,
  ApprovalSummary,
  AuditDetail,
  AuditCount,
  AuditCountQuery,
  AuditEntry,
  AuditPage,
  AuditQuery,
  AuditStatus,
  ChangeEvent,
  CompleteInput,
  Decision,
  DecideInput,
  PolicyProposal,
  PolicyRule,
  Principal,
  ProposalStatus,
  RegisterAgentInput,
  RegisterAgentResult,
  RuleType,
  SeedCounts,
  Stats,
  StoreAccess,
  ToolUsage,
  LocalPolicyRules,
} from '@aegis/shared';

/** Issue 23: where a decision came from, and an admin's edited arguments. */
export interface DecideOptions {
  /** "dashboard" (default), "api", or the notification channel the answer came through. */
  via?: string;
  /** Approve with these arguments instead of the agent's (admins; APPROVED only). */
  editedArgs?: Record<string, unknown>;
  /**
   * A notification link used to decide, `<nonce>:<person>`: recorded in the same update as the
   * vote or decision, so the link counts once and stays usable when nothing was decided.
   * Refused (ALREADY_DECIDED, "This link was already used.") when it was used on this approval.
   */
  link?: string;
}

/** A chart's time window: the last `hours` whole hours, or `from`–`to` (ISO; `to` defaults to now). */
export interface TimelineWindow {
  hours?: number;
  range?: RangePreset;
  from?: string;
  to?: string;
}

/**
 * The domain operations behind both the tRPC procedures and the REST adapter. Implementations
 * live beside this file; only repos touch mongoose models. Authorization happens in procedures,
 * before a service is called; `actor` is recorded where a person's decision matters.
 */
export interface Services {
  /** Notification channels (notify/), present once the app has started the notifier. */
  channels?: ChannelService;
  /** Agent manifests: declaration + observed (services/manifests.ts). */
  manifests: ManifestService;
  /** Governance rules over manifests and their violations (services/governance.ts). */
  governance: GovernanceService;
  /** The compliance export's report and audit trail stream (services/compliance.ts). */
  compliance: ComplianceService;
  agents: {
    list(): Promise<AgentSummary[]>;
    /** Throws NOT_FOUND for an unknown agent. */
    get(name: string): Promise<AgentSummary>;
    /**
     * The kill-switch state as decisions see it (the policy cache, kept current by the change
     * feed), null for an unknown agent: the seed SDK reads it before every call.
     */
    status(name: string): Promise<AgentStatus | null>;
    toolsUsed(name: string): Promise<ToolUsage[]>;
    /** The kill-switch; a change is recorded (PAUSED/RESUMED) with the actor and the reason. */
    setStatus(name: string, status: AgentStatus, actor: Principal, reason?: string): Promise<Agent>;
    /**
     * Idempotent: registering the same agent and policy twice changes nothing. What the code
     * declares is checked (services/registration.ts): loosening changes may become a proposal.
     */
    register(input: RegisterAgentInput, actor: Principal): Promise<RegisterAgentResult>;
    /**
     * Creates the agent or updates its profile; its rules are not touched. `owner` is set only
     * when it creates the agent: later owners go through declareProfile (rules read the owner).
     */
    upsertProfile(
      name: string,
      profile: { owner: string; description: string; framework: string },
    ): Promise<{ agent: Agent; created: boolean; changed: boolean }>;
    /**
     * Labels and owner declared by the agent's code (the seed's /sdk/register-agent), checked like
     * a registration: an agent key sets them only for its first policy.
     */
    declareProfile(
      agent: string,
      profile: { labels?: AgentLabels; owner?: string },
      actor: Principal,
      created: boolean,
    ): Promise<{ changed: boolean; notice: string | null }>;
    /** One rule declared by the agent's code (the seed's /sdk/register-policy), checked like a registration. */
    declareRule(
      agent: string,
      action: string,
      rule: RuleType,
      actor: Principal,
    ): Promise<Omit<RegisterAgentResult, 'agent'>>;
  };
  policies: {
    forAgent(agent: string): Promise<AgentPolicy>;
    /**
     * The dashboard's reading: effects when no condition matches, and the conditions beside them;
     * `used` are read the same way (the tools the agent called, named by the policy or not).
     */
    viewForAgent(
      agent: string,
      used?: readonly string[],
    ): Promise<{ view: AgentPolicyView; used: Map<string, { effect: RuleType; conditional: string[] }> }>;
    /** What local mode needs to evaluate the agent's calls with the same engine (its snapshot). */
    localRules(agent: string): Promise<LocalPolicyRules>;
    rules(agent: string): Promise<PolicyRule[]>;
    set(agent: string, action: string, rule: RuleType, actor: Principal): Promise<AgentPolicy>;
    remove(agent: string, action: string, actor: Principal): Promise<AgentPolicy>;
    proposals(query: {
      status?: ProposalStatus;
      agent?: string;
      limit: number;
    }): Promise<PolicyProposal[]>;
    /** Applies a pending proposal (people's rules set since still win); CONFLICT once decided. */
    acceptProposal(id: number, actor: Principal): Promise<PolicyProposal>;
    rejectProposal(id: number, actor: Principal): Promise<PolicyProposal>;
    /** The rule document in force (agent null: the global policy), with its version. */
    stored(agent: string | null): Promise<StoredPolicy>;
    /** Validates every document, then stores each changed one as a new version (audited with who). */
    apply(
      input: { yaml: string; file?: string; message?: string; dryRun: boolean },
      actor: Principal,
    ): Promise<ApplyPolicyResult>;
    rollback(
      agent: string | null,
      version: number,
      actor: Principal,
      message?: string,
    ): Promise<AppliedPolicy>;
    history(agent: string | null, limit: number): Promise<PolicyVersionInfo[]>;
    /** Runs `task` while no policy is applied or rolled back (removing a channel checks, then writes). */
    withChannelUseLocked<T>(task: () => Promise<T>): Promise<T>;
    /** The rules in force that name a notification channel (`notify:` / `approval.escalate:`). */
    rulesNaming(
      channel: string,
    ): Promise<Array<{ agent: string | null; ruleId: string; field: 'notify' | 'escalate' }>>;
    tryCall(input: {
      agent: string;
      action: string;
      args: Record<string, unknown>;
      tags?: string[];
      yaml?: string;
    }): Promise<TryPolicyResult>;
    replay(input: { yaml: string; sinceHours: number; limit: number }): Promise<ReplayPolicyResult>;
  };
  audit: {
    list(query: AuditQuery): Promise<AuditPage>;
    /** How many entries match the filter: exact up to AUDIT_COUNT_CAP, "more than" beyond. */
    count(query: AuditCountQuery): Promise<AuditCount>;
    /** Every entry matching the filter, newest first, at most `max`, read batch by batch (exports). */
    stream(query: Omit<AuditQuery, 'limit'>, max?: number): AsyncGenerator<AuditEntry>;
    /** Entries with id greater than `afterId`, oldest first (resuming a stream). */
    since(afterId: number, agent?: string, limit?: number): Promise<AuditEntry[]>;
    /** The earliest id a stream may resume after: before the `cap` newest entries (of `agent`). */
    resumeFloor(cap: number, agent?: string): Promise<number>;
    /**
     * Where a new subscriber's stream starts: after the newest entry older than `windowMs`, so
     * entries written while its page loaded (before it subscribed) reach it too.
     */
    recentStart(windowMs: number, agent?: string): Promise<number>;
    /** An agent's report (the seed's /sdk/log): stored with source "agent" and the key's name. */
    write(entry: NewAuditEntry, actor: Principal): Promise<AuditEntry>;
    /** What a person did (or an agent key to its own agent): never one of the agent's calls. */
    note(note: ActionNote, actor: Principal): Promise<AuditEntry>;
    /**
     * Local-mode records and outcomes. Idempotent on entryKey: replayed entries are counted as
     * duplicates, not stored twice, and an outcome is recorded once.
     */
    writeBatch(batch: RecordBatchInput, actor: Principal): Promise<RecordBatchResult>;
    /**
     * Walks both hash chains, once this server's outcome seals in flight are stored (another
     * server's still gathering show as pending, which is not a failure).
     */
    /** `noted`: heads noted earlier that the chains must still hold (see verifyAudit.ts). */
    verify(noted?: AuditVerifyInput): Promise<AuditVerifyResult>;
  };
  investigation: {
    /** One entry with the entries of its call, its approval and the agent's neighbouring entries. */
    detail(id: number): Promise<AuditDetail>;
    /** What the agent did just before asking: its last calls in the same run (or, without a run id, its last calls). */
    approvalContext(approvalId: number): Promise<{ runId: string | null; calls: AuditEntry[] }>;
  };
  approvals: {
    /** Open approvals, newest first, a page at a time; arguments as masked previews. */
    pending(page: { limit: number; cursor?: number }): Promise<ApprovalSummary[]>;
    list(query: {
      status?: ApprovalStatus;
      agent?: string;
      cursor?: number;
      limit: number;
    }): Promise<{ approvals: ApprovalSummary[]; nextCursor: number | null }>;
    get(id: number): Promise<Approval>;
    /** The unmasked arguments (admins only; the reveal itself is logged). */
    reveal(id: number, actor: Principal): Promise<Record<string, unknown>>;
    /** Atomic: a PENDING approval is decided exactly once; otherwise CONFLICT. */
    decide(
      id: number,
      decision: 'APPROVED' | 'DENIED',
      remember: boolean,
      actor: Principal,
      comment?: string,
      options?: DecideOptions,
    ): Promise<Approval>;
    /**
     * A caller stopped waiting (its call, `callId`, is logged TIMEOUT): the approval expires,
     * unless another caller of the same call still waits on it.
     */
    timeout(id: number, actor: Principal, callId?: string): Promise<Approval>;
    /**
     * A seed client's status poll. The first read by the agent's own key that finds the approval
     * APPROVED redeems it (single use, as sdk.decide would) and writes the ALLOWED entry; people
     * only look. NOT_FOUND for an unknown id.
     */
    poll(id: number, actor: Principal): Promise<ApprovalPoll>;
    /** The seed's find-approval: the newest approval for agent+action, read as `poll` reads it (null: none to report). */
    find(agent: string, action: string, actor: Principal): Promise<ApprovalPoll | null>;
    /** Decided approvals whose paused LangGraph runs await resumption (agent keys: their own). */
    unresumedRuns(actor: Principal, limit: number): Promise<Approval[]>;
    /** Claims the resumption of a paused run, exactly once across resumers; else CONFLICT. */
    markResumed(id: number, actor: Principal): Promise<Approval>;
    /** The approved, unused approval sdk.decide would redeem for exactly this call, if any. */
    approvedFor(call: {
      agent: string;
      action: string;
      args: Record<string, unknown>;
    }): Promise<Approval | null>;
  };
  decisions: {
    /**
     * One round trip: kill-switch, policy, approval redemption, audit entry, approval creation.
     * `seedClient`: asked over the seed's POST /sdk/approval, whose client can't be handed edited
     * arguments (the approval it opens or waits on refuses them).
     */
    decide(input: DecideInput, actor: Principal, opts?: { seedClient?: boolean }): Promise<Decision>;
    complete(input: CompleteInput, actor: Principal): Promise<void>;
    /** What happens to a call's result (on: result rules); REVIEW opens a result approval. */
    judgeResult(input: ResultInput, actor: Principal): Promise<ResultAnswer>;
    /** The on: result rules and detectors local mode evaluates for this agent (null: none). */
    resultPolicy(agent: string): Promise<GlobalPolicyDocument | null>;
  };
  /** The agent graph: agents, their tools and the data those carry, in a window. */
  graph: { get(input: GraphInput): Promise<AgentGraph> };
  analytics: AnalyticsService;
  stats: {
    get(): Promise<Stats>;
    timeline(window: TimelineWindow): Promise<ActivityTimeline>;
  };
  events: {
    /** Subscribe to change events; returns an unsubscribe function. */
    onChange(listener: (event: ChangeEvent, seq: number) => void): () => void;
    onAudit(listener: (entry: AuditEntry) => void): () => void;
    /**
     * Buffered change events after `seq`, for a client resuming a stream; `origin` other than
     * this server's: the number came from another server (EventBus.changesSince).
     */
    changesSince(seq: number, origin?: string | null): Array<{ seq: number; event: ChangeEvent }>;
    /** The id a client is given for the change event numbered `seq` here. */
    changeId(seq: number): string;
  };
  /** MCP tool pins shared by every gateway (issue 20). */
  toolPins: ToolPinService;
  demo: {
    /** The seed's `POST /demo/seed`: wipes governance data, then resets and seeds the demo bank. */
    seed(actor: Principal): Promise<SeedCounts>;
    /** Wipes governance data (agents, policies, audit, approvals); ids keep growing. */
    reset(actor: Principal): Promise<void>;
    /** How another process (the demo) reaches the database this server uses. */
    store(): StoreAccess;
  };
}

/** What a status poll tells its reader (see `approvals.poll`). */
export interface ApprovalPoll {
  approval: Approval;
  /**
   * The seed's answer. For the agent's key: APPROVED only on the read that redeemed the approval,
   * PENDING while undecided, DENIED otherwise. For people: the stored status (EXPIRED → DENIED).
   */
  status: 'PENDING' | 'APPROVED' | 'DENIED';
  /** The ALLOWED entry written when this read redeemed the approval. */
  allowed: AuditEntry | null;
  /** Why an approved approval did not let the agent's call run (used, expired, paused, …). */
  reason: string | null;
}

export type { RegisterAgentInput };

export interface NewAuditEntry {
  agent: string;
  action: string;
  status: AuditStatus;
  details: string;
  callId?: string | null;
  approvalId?: number | null;
  args?: Record<string, unknown> | null;
}
