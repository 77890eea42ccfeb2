import type { AegisDecision } from './types';

/** Machine-readable reason an SDK call was refused or failed. */
export type AegisErrorCode =
  | 'BLOCKED'
  | 'KILLED'
  | 'APPROVAL_PENDING'
  | 'APPROVAL_DENIED'
  | 'APPROVAL_TIMEOUT'
  | 'CANCELLED'
  | 'UNAVAILABLE'
  | 'NO_AGENT'
  | 'UNKNOWN_AGENT'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'INTERNAL';

/** What every Aegis error carries besides its message. */
export interface AegisErrorDetails {
  agent?: string;
  action?: string;
  callId?: string;
  approvalId?: number | null;
  reason?: string;
  decision?: AegisDecision;
}

/**
 * The one base class of every error the SDK throws, so `catch (e) { if (e instanceof AegisError) … }`
 * covers all refusals. `code` says why, `details` carries the agent, action and decision.
 *
 * @example
 * ```ts
 * try { await transfer({ to: 'x', amount: 10 }); }
 * catch (e) { if (e instanceof AegisError) console.log(e.code, e.details.reason); }
 * ```
 */
export class AegisError extends Error {
  override name = 'AegisError';
  readonly code: AegisErrorCode;
  readonly details: AegisErrorDetails;

  constructor(
    code: AegisErrorCode,
    message: string,
    details: AegisErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** The policy blocks this action for this agent; the tool body never ran. */
export class AegisBlockedError extends AegisError {
  override name = 'AegisBlockedError';
  constructor(message: string, details: AegisErrorDetails = {}, options?: { cause?: unknown }) {
    super('BLOCKED', message, details, options);
  }
}

/** The agent is paused by its kill-switch; the tool body never ran. */
export class AegisKilledError extends AegisError {
  override name = 'AegisKilledError';
  constructor(message: string, details: AegisErrorDetails = {}, options?: { cause?: unknown }) {
    super('KILLED', message, details, options);
  }
}

/**
 * The call needs a human decision and the caller chose not to wait (`wait: false`). Retrying the
 * same call with the same arguments after approval runs it (once).
 */
export class AegisApprovalPendingError extends AegisError {
  override name = 'AegisApprovalPendingError';
  readonly approvalId: number;
  constructor(
    message: string,
    approvalId: number,
    details: AegisErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super('APPROVAL_PENDING', message, { ...details, approvalId }, options);
    this.approvalId = approvalId;
  }
}

/** A reviewer denied the call (or the approval expired). */
export class AegisApprovalDeniedError extends AegisError {
  override name = 'AegisApprovalDeniedError';
  constructor(message: string, details: AegisErrorDetails = {}, options?: { cause?: unknown }) {
    super('APPROVAL_DENIED', message, details, options);
  }
}

/** Nobody decided within `timeoutMs`; the approval was expired on the server and logged as TIMEOUT. */
export class AegisApprovalTimeoutError extends AegisError {
  override name = 'AegisApprovalTimeoutError';
  constructor(message: string, details: AegisErrorDetails = {}, options?: { cause?: unknown }) {
    super('APPROVAL_TIMEOUT', message, details, options);
  }
}

/**
 * Aegis could not be reached (or, in local mode, its policy stream has been down longer than
 * `staleAfterMs`), so the call was refused: Aegis fails closed unless `failMode: 'open'`.
 */
export class AegisUnavailableError extends AegisError {
  override name = 'AegisUnavailableError';
  constructor(message: string, details: AegisErrorDetails = {}, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, details, options);
  }
}

/** True for the errors that mean "the firewall said no" rather than "the tool itself failed". */
export function isRefusal(error: unknown): error is AegisError {
  return error instanceof AegisError;
}
