/**
 * Aegis SDK: put a firewall and flight recorder in front of your agents' tool calls.
 *
 * @example
 * ```ts
 * import { createAegis, agentContext } from '@aegis/sdk';
 * const aegis = createAegis();
 * const support = aegis.agent('support', { allows: ['lookup_balance'], blocks: ['delete_records'] });
 * const lookup = aegis.monitor(async (q: { customerId: number }) => db.balance(q.customerId), { action: 'lookup_balance' });
 * await support.run(() => lookup({ customerId: 42 }));
 * ```
 */
export {
  Aegis,
  createAegis,
  monitor,
  type AegisOptions,
  type Guarded,
  type MonitorOptions,
} from './client';
export { AgentHandle, type AgentOptions } from './agent';
export { agentContext, currentAgent } from './context';
export {
  AegisApprovalDeniedError,
  AegisApprovalPendingError,
  AegisApprovalTimeoutError,
  AegisBlockedError,
  AegisError,
  AegisKilledError,
  AegisUnavailableError,
  isRefusal,
  type AegisErrorCode,
  type AegisErrorDetails,
} from './errors';
export { DEFAULT_APPROVAL_TIMEOUT_MS, newCallId } from './guard';
export { DEFAULT_URL, adminKeyPath, resolveApiKey, resolveUrl } from './config';
export { closeTransport, createTransport, type AegisApi } from './transport';
export {
  AegisExportFileError,
  verifyExport,
  verifyExportOptions,
  type ExportProblem,
  type ExportVerifyResult,
  type VerifyExportOptions,
} from './audit';
export type {
  AegisDecision,
  AegisMode,
  AgentSnapshot,
  AgentSummary,
  Approval,
  ApprovalStatus,
  AuditEntry,
  CallOptions,
  DecideRequest,
  DecisionEvent,
  DecisionHook,
  FailMode,
  LocalOutcome,
  LocalRecord,
  RegisterAgentRequest,
  RegisteredAgent,
  ToolMeta,
  ToolDeclarationInput,
  AgentManifest,
  Verdict,
} from './types';
