/**
 * The domain's refusals, one code each. Services throw {@link DomainError}; the server maps it
 * once to a tRPC error (`data.aegisCode`) and a REST error (`code`); the SDK branches on the code,
 * never on a message. Each code names the transport class it travels as (tRPC code → HTTP status).
 */
export const DOMAIN_ERROR_CODES = {
  /** A value the schema lets through but the domain refuses (e.g. a result approval "remembered"). */
  INVALID_REQUEST: 'BAD_REQUEST',
  /** The key may not act for this agent. */
  NOT_YOUR_AGENT: 'FORBIDDEN',
  /** The caller's role may not do this (e.g. an agent key deciding an approval). */
  NOT_PERMITTED: 'FORBIDDEN',
  /** The agent was never registered. */
  UNKNOWN_AGENT: 'NOT_FOUND',
  /** No approval with this id. */
  UNKNOWN_APPROVAL: 'NOT_FOUND',
  /** No policy proposal with this id. */
  UNKNOWN_PROPOSAL: 'NOT_FOUND',
  /** No such version of the policy (rollback). */
  UNKNOWN_POLICY_VERSION: 'NOT_FOUND',
  /** No audit entry with this id. */
  UNKNOWN_ENTRY: 'NOT_FOUND',
  /** No governance violation with this key. */
  UNKNOWN_VIOLATION: 'NOT_FOUND',
  /** No recorded call (callId or local-mode entryKey) to attach an outcome to. */
  UNKNOWN_CALL: 'NOT_FOUND',
  /** The approval or proposal was decided before. */
  ALREADY_DECIDED: 'CONFLICT',
  /** The approval expired before it was decided. */
  APPROVAL_EXPIRED: 'CONFLICT',
  /** The client's call id was already used for another call. */
  CALL_ID_REUSED: 'CONFLICT',
  /** The call's outcome was recorded before. */
  OUTCOME_RECORDED: 'CONFLICT',
  /** A call's arguments are larger than AEGIS_MAX_ARGS_BYTES (413). */
  ARGS_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** Review by interrupt: the approval's paused run is not resumable (none, undecided, or resumed already). */
  RUN_NOT_RESUMABLE: 'CONFLICT',
  /** An agent's report contradicts its policy or the kill-switch (recorded as a VIOLATION). */
  REPORT_REFUSED: 'FORBIDDEN',
  /** An agent's report cannot be checked: dated outside the accepted window, or an unknown policy version. */
  REPORT_UNVERIFIABLE: 'CONFLICT',
  /** No notification channel with this name. */
  UNKNOWN_CHANNEL: 'NOT_FOUND',
  /** A notification channel with this name exists already. */
  CHANNEL_EXISTS: 'CONFLICT',
  /** Rules in force name the channel (`notify:` / `escalate:`): removing it would silence them. */
  CHANNEL_IN_USE: 'CONFLICT',
  /** A policy version to restore names a channel that does not exist (any more). */
  POLICY_NAMES_UNKNOWN_CHANNEL: 'CONFLICT',
  /** The server lacks a setting the request needs (e.g. AEGIS_SMTP_URL for an e-mail channel). */
  SERVER_NOT_CONFIGURED: 'PRECONDITION_FAILED',
} as const;

export type DomainErrorCode = keyof typeof DOMAIN_ERROR_CODES;
export type DomainErrorTransport = (typeof DOMAIN_ERROR_CODES)[DomainErrorCode];

/** A refusal the domain expects: the message is for people, the code for programs. */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** The tRPC code this travels as (and from it the HTTP status). */
  get transport(): DomainErrorTransport {
    return DOMAIN_ERROR_CODES[this.code];
  }
}

export function isDomainErrorCode(value: unknown): value is DomainErrorCode {
  return typeof value === 'string' && Object.hasOwn(DOMAIN_ERROR_CODES, value);
}

/** True when `error` is a DomainError (with `code`, when given). */
export function isDomainError(error: unknown, code?: DomainErrorCode): error is DomainError {
  return error instanceof DomainError && (code === undefined || error.code === code);
}
