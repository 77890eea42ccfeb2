import { TRPCClientError } from '@trpc/client';
import { AegisError } from '../errors';
import { splitUrls } from '../failover';
import { HttpAnswerError } from '../nodeFetch';
import { toAegisError } from '../serverErrors';

/**
 * Exit codes of the CLI. 0: done. 1: the command failed (unknown agent or id, not allowed,
 * already decided, audit chain broken, bad usage). 2: the server could not be reached. 141: the
 * reader of stdout went away (`| head`), as for a process ended by SIGPIPE.
 */
export const EXIT = { ok: 0, failed: 1, unreachable: 2, readerGone: 141 } as const;

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
  return {
    message: hint(aegisError, url) ?? invalidInput(error) ?? oneLine(aegisError.message),
    exitCode: EXIT.failed,
  };
}

/**
 * A request the server's input schema refused: tRPC's message is zod's issues as JSON, which is
 * no way to tell someone that `--signing-secret ""` (an unset variable) is too short. Say each
 * field and what is wrong with it instead.
 */
function invalidInput(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 5; depth++, e = e.cause) {
    if (!(e instanceof TRPCClientError)) continue;
    const data: unknown = e.data;
    if (!data || typeof data !== 'object' || !('zodError' in data)) return undefined;
    const flat = data.zodError as {
      formErrors?: string[];
      fieldErrors?: Record<string, string[] | undefined>;
    } | null;
    if (!flat) return undefined;
    const problems = [
      ...(flat.formErrors ?? []),
      ...Object.entries(flat.fieldErrors ?? {}).map(
        ([field, messages]) => `${field}: ${(messages ?? []).join('; ')}`,
      ),
    ];
    return problems.length > 0
      ? `the server refused the request's input: ${oneLine(problems.join('; '))}`
      : undefined;
  }
  return undefined;
}

/**
 * `aegis logs -o csv | head`: once the reader has what it wants it closes the pipe, and the next
 * write fails with EPIPE. That is not a failure of the command (and certainly not "cannot reach
 * Aegis"): stop quietly, as a Unix tool killed by SIGPIPE would (exit 141, for `set -o pipefail`).
 * Installed by the binaries, not by `runCli` (tests and the MCP gateway, which speaks on stdout
 * and has its own shutdown, must not exit the process).
 */
export function exitQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.readerGone);
    throw error;
  });
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
