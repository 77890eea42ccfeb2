import { AegisError } from '../errors';
import { splitUrls } from '../failover';
import { HttpAnswerError } from '../nodeFetch';
import { toAegisError } from '../serverErrors';

/**
 * Exit codes of the CLI. 0: done. 1: the command failed (unknown agent or id, not allowed,
 * already decided, audit chain broken, bad usage). 2: the server could not be reached.
 */
export const EXIT = { ok: 0, failed: 1, unreachable: 2 } as const;

/** A failure the CLI reports as one line with a chosen exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

/** One line and an exit code for any failure. */
export function describeFailure(
  error: unknown,
  url: string,
): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  const aegisError = error instanceof AegisError ? error : toAegisError(error);
  if (aegisError.code === 'UNAVAILABLE') {
    return {
      message:
        `cannot reach Aegis at ${url} (${oneLine(rootCause(aegisError))}): is the server running? ` +
        'Start it with `npm start`, or point --url / AEGIS_URL at it',
      exitCode: EXIT.unreachable,
    };
  }
  return { message: hint(aegisError, url) ?? oneLine(aegisError.message), exitCode: EXIT.failed };
}

/**
 * The usual set-up mistakes, said as what to do. The server can't tell a wrong key from none (both
 * are "no principal"), but the CLI always sends one, so a 401 means the key was not accepted.
 */
function hint(error: AegisError, url: string): string | undefined {
  if (error.code === 'UNAUTHORIZED')
    return (
      `${url} did not accept the API key (from --key, AEGIS_API_KEY or .aegis/admin.key): it is ` +
      "unknown or revoked. Use the server's <data dir>/admin.key or a key from `aegis keys create`"
    );
  if (answerStatus(error) === 404)
    return (
      `${url} answered 404: it is not an Aegis server's address. --url / AEGIS_URL is the ` +
      'base address the server prints (like http://127.0.0.1:8000), without /api or /trpc'
    );
  return undefined;
}

/** The status of an HTTP answer that did not come from Aegis (a wrong URL's 404), if any. */
function answerStatus(error: Error): number | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e instanceof HttpAnswerError) return e.status;
    e = e.cause;
  }
  return undefined;
}

/** `127.0.0.1:8000` (no scheme) fails every request with "Invalid URL": say so before trying. */
export function checkUrls(url: string): void {
  try {
    splitUrls(url);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** The innermost message (fetch failed → connect ECONNREFUSED 127.0.0.1:8000). */
function rootCause(error: Error): string {
  let current: unknown = error;
  let message = error.message;
  while (current instanceof Error) {
    if (current.message) message = current.message;
    current = current.cause;
  }
  return message;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
