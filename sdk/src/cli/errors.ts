import { AegisError } from '../errors';
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
      message: `cannot reach Aegis at ${url} (${oneLine(rootCause(aegisError))})`,
      exitCode: EXIT.unreachable,
    };
  }
  return { message: oneLine(aegisError.message), exitCode: EXIT.failed };
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
