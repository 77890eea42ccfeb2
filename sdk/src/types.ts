import type { RouterInputs, RouterOutputs } from '@aegis/server';

/**
 * Every public type of the SDK is derived from the server's router (the contract), so a change
 * there is a compile error here rather than a surprise at run time.
 */

/** The server's answer to `sdk.decide`. */
export type AegisDecision = RouterOutputs['sdk']['decide'];
/** ALLOWED | BLOCKED | REVIEW | KILLED. */
export type Verdict = AegisDecision['verdict'];
/** What `sdk.decide` takes. */
export type DecideRequest = RouterInputs['sdk']['decide'];
/** What `sdk.registerAgent` takes (name, owner, description, allows, blocks, review, …). */
export type RegisterAgentRequest = RouterInputs['sdk']['registerAgent'];
/** What `sdk.registerAgent` answers. */
export type RegisteredAgent = RouterOutputs['sdk']['registerAgent'];
/** An approval as the server stores it. */
export type Approval = RouterOutputs['approvals']['byId'];
export type ApprovalStatus = Approval['status'];
/** One audit log entry. */
export type AuditEntry = RouterOutputs['audit']['list']['entries'][number];
/** An agent with its computed risk score and counts. */
export type AgentSummary = RouterOutputs['agents']['list'][number];
type RecordBatch = RouterInputs['sdk']['recordBatch'];
/** One decision made in-process by local mode (with its outcome, once known), as shipped to `sdk.recordBatch`. */
export type LocalRecord = NonNullable<RecordBatch['entries']>[number];
/** The outcome of a local-mode call whose record was shipped before the tool finished. */
export type LocalOutcome = NonNullable<RecordBatch['outcomes']>[number];
/** An agent's policy and kill-switch state, as `sdk.snapshot` returns it. */
export type AgentSnapshot = RouterOutputs['sdk']['snapshot']['agents'][number];
/** The rule that decided a call: id ("default" when none matched), scope and policy version. */
export type DecidingRuleRef = NonNullable<AegisDecision['rule']>;

/** What to do when Aegis cannot be reached: refuse (`closed`, the default) or run unguarded (`open`). */
export type FailMode = 'closed' | 'open';

/** `strict`: one server round trip per call. `local`: decide in-process from a pushed snapshot. */
export type AegisMode = 'strict' | 'local';

/** What `onDecision` receives for every decision, including the outcome of a human review. */
export interface DecisionEvent {
  agent: string;
  action: string;
  args: Record<string, unknown>;
  callId: string;
  /** The firewall's verdict, or how a review ended, or UNAVAILABLE when Aegis could not be reached. */
  verdict: Verdict | 'DENIED' | 'TIMEOUT' | 'UNAVAILABLE';
  reason: string;
  approvalId: AegisDecision['approvalId'];
  /** The audit entry the server wrote; null for decisions local mode made in-process. */
  auditId: AegisDecision['auditId'] | null;
  /** Who decided: the server, this process (local mode), or nobody (fail-open). */
  source: 'server' | 'local' | 'fail-open';
  /** The policy rule that decided (id, scope, version); null for the kill-switch, absent when no rule was read. */
  rule?: DecidingRuleRef | null;
}

/**
 * The `onDecision` hook (the seed's `set_monitor_hook`). For a refusal it may return (or throw) an
 * error to be thrown instead of the SDK's own; for ALLOWED its return value is ignored.
 */
export type DecisionHook = (event: DecisionEvent) => Error | void | Promise<Error | void>;

/** Per-call options of guarded functions. */
export interface CallOptions {
  /**
   * Wait for a human decision when the verdict is REVIEW. With `false` the call throws
   * `AegisApprovalPendingError` at once; retry it with the same arguments after approval.
   * @defaultValue true
   */
  wait?: boolean;
  /**
   * How long to wait for a human decision; then the approval is expired, logged as TIMEOUT and
   * the call throws `AegisApprovalTimeoutError`.
   * @defaultValue 300_000 (5 minutes)
   */
  timeoutMs?: number;
  /**
   * Cancels the call while it waits for a human: the approval is expired on the server (so a
   * later approval can't run it) and the call throws an `AegisError` with code `CANCELLED`.
   */
  signal?: AbortSignal;
  /** Called once the call is held for review, with the approval's id (e.g. to tell a client it waits). */
  onReview?: (approvalId: number) => void;
  /** Metadata declared with the tool, for policy conditions (`tool.tags`, `tool.description`). */
  tool?: ToolMeta;
  /**
   * This run of the agent (e.g. a conversation or job id): rules read it as `session` —
   * `session.touched('pii')` holds once a call tagged `pii` was allowed in the same run.
   */
  runId?: string;
  /**
   * Review by interrupt (set by `@aegis/sdk/langchain`'s `review: 'interrupt'`): the graph run this
   * call belongs to. Its approval remembers the run, and the resumed call is held to that approval.
   */
  run?: DecideRequest['run'];
  /**
   * How the call reached Aegis, recorded on its audit entry: set by the MCP gateway (`mcp`) and
   * `aegis proxy http` (`http-proxy`). Leave it unset for the SDK's own calls.
   */
  channel?: DecideRequest['channel'];
  /**
   * Which upstream tool the call runs, recorded (and hashed) on its audit entry: set by the MCP
   * gateway, whose actions are derived from or mapped onto tool names and need not name them.
   * The upstream server, by its gateway name.
   */
  upstream?: DecideRequest['upstream'];
  /** The upstream's own name of the tool (see {@link CallOptions.upstream}). */
  upstreamTool?: DecideRequest['upstreamTool'];
}

/** What a tool declares about itself: tags such as `pii`, `external`, `destructive`, and a description. */
export interface ToolMeta {
  tags?: string[];
  description?: string;
}

/** One tool as an agent declares it for its manifest (name, description, JSON Schema, tags, data categories). */
export type ToolDeclarationInput = RouterInputs['manifests']['declareTools']['tools'][number];
/** An agent's manifest: its declaration joined with what Aegis observed. */
export type AgentManifest = RouterOutputs['manifests']['get'];
