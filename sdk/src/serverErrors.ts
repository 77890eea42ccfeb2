import { TRPCClientError } from '@trpc/client';
import {
  AegisError,
  AegisUnavailableError,
  type AegisErrorCode,
  type AegisErrorDetails,
} from './errors';
import { noAnswer } from './failover';
import { HttpAnswerError } from './nodeFetch';

/** What the SDK calls each refusal the server answers with (tRPC code → AegisErrorCode). */
const answered: Record<string, AegisErrorCode> = {
  BAD_REQUEST: 'BAD_REQUEST',
  PARSE_ERROR: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
  PRECONDITION_FAILED: 'BAD_REQUEST',
  UNPROCESSABLE_CONTENT: 'BAD_REQUEST',
  PAYLOAD_TOO_LARGE: 'BAD_REQUEST',
};

/**
 * tRPC codes that mean Aegis gave no answer: its own failure, or a proxy's in front of it. Every
 * other code is the server answering, and an answer is never "unreachable": fail-open must not
 * turn a refusal (an oversized call answered 413, say) into running the tool unguarded.
 */
const NO_ANSWER = new Set([
  'INTERNAL_SERVER_ERROR',
  'BAD_GATEWAY',
  'SERVICE_UNAVAILABLE',
  'GATEWAY_TIMEOUT',
  'TIMEOUT',
  'CLIENT_CLOSED_REQUEST',
]);

/** The tRPC error code the server sent, if it sent one at all. */
export function serverCode(error: unknown): string | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data: unknown = error.data;
  if (data && typeof data === 'object' && 'code' in data && typeof data.code === 'string')
    return data.code;
  return undefined;
}

/** The domain's reason the server gave (`data.aegisCode`: UNKNOWN_AGENT, ALREADY_DECIDED, …). */
export function serverReason(error: unknown): string | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data: unknown = error.data;
  if (data && typeof data === 'object' && 'aegisCode' in data && typeof data.aegisCode === 'string')
    return data.aegisCode;
  return undefined;
}

/**
 * True when the failure means Aegis could not give an answer: connection refused, timeout, a
 * gateway's 502/503/504, Aegis's own internal error. Those are where fail-closed / fail-open
 * applies. Anything else is not "unreachable": an HTTP answer that is not Aegis's (a body limit's
 * HTML 413, a WAF's 403) or a request that could not even be made (arguments JSON cannot encode)
 * must be refused, never run unguarded by fail-open.
 */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof AegisUnavailableError) return true;
  if (error instanceof AegisError) return false;
  const code = serverCode(error);
  if (code !== undefined) return NO_ANSWER.has(code);
  return noAnswer(error);
}

/** What a refusal that did not come from Aegis is called, by the HTTP status that came back. */
function refusedByStatus(error: unknown): AegisErrorCode | undefined {
  const answer = httpAnswer(error);
  if (!answer) return undefined;
  if (answer.status === 401) return 'UNAUTHORIZED';
  if (answer.status === 403) return 'FORBIDDEN';
  if (answer.status === 429) return 'RATE_LIMITED';
  return 'BAD_REQUEST';
}

/** The non-Aegis HTTP answer behind a failure, if that is what it was. */
function httpAnswer(error: unknown): HttpAnswerError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e instanceof HttpAnswerError) return e;
    e = e.cause;
  }
  return undefined;
}

const KEY_HINT =
  ': the API key (apiKey / --key, AEGIS_API_KEY, AEGIS_API_KEY_FILE or .aegis/admin.key) is missing, unknown or revoked';

/** A 404 that is not Aegis's: most often a URL with a path (`…/api`) where the base belongs. */
function notFoundHint(error: unknown): string {
  return httpAnswer(error)?.status === 404
    ? ". Is the URL the server's base address (like http://127.0.0.1:8000, without /api or /trpc)?"
    : '';
}

/** Turns any transport failure into an AegisError with the server's message and the original as cause. */
export function toAegisError(error: unknown, details: AegisErrorDetails = {}): AegisError {
  if (error instanceof AegisError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isUnreachable(error)) {
    return new AegisUnavailableError(`Aegis is unreachable: ${message || 'no answer'}`, details, {
      cause: error,
    });
  }
  const code = serverCode(error);
  if (code === undefined) {
    // Not Aegis's refusal: say what came back (or what failed) and that the call was refused.
    return new AegisError(
      refusedByStatus(error) ?? 'BAD_REQUEST',
      `Refused without an answer from Aegis: ${message || 'no answer'}${notFoundHint(error)}`,
      details,
      { cause: error },
    );
  }
  const mapped = answered[code] ?? 'BAD_REQUEST';
  if (mapped === 'UNAUTHORIZED') {
    // The server can't tell a wrong key from none; say where the SDK took its key from.
    return new AegisError(mapped, `${message}${KEY_HINT}`, details, { cause: error });
  }
  if (serverReason(error) === 'UNKNOWN_AGENT') {
    return new AegisError('UNKNOWN_AGENT', message, details, { cause: error });
  }
  return new AegisError(mapped, message, details, { cause: error });
}
