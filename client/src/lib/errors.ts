import { TRPCClientError } from '@trpc/client';

/** The tRPC error code of a failed call, if the server answered at all. */
export function errorCode(error: unknown): string | null {
  if (error instanceof TRPCClientError) {
    const data: unknown = error.data;
    if (data && typeof data === 'object' && 'code' in data && typeof data.code === 'string') return data.code;
  }
  return null;
}

export function isUnauthorized(error: unknown): boolean {
  return errorCode(error) === 'UNAUTHORIZED';
}

/** True when the request never got an answer from the server (it is down or unreachable). */
export function isNetworkError(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  if (errorCode(error) !== null) return false;
  // A fetch that fails throws a TypeError; a proxy in between may answer with a non-JSON 502.
  return error.cause instanceof TypeError || /fetch|network|JSON|Unexpected token/i.test(error.message);
}

/** What to tell the user: the server's own message, made readable for validation errors. */
export function errorMessage(error: unknown): string {
  if (isNetworkError(error)) return 'The Aegis server is unreachable.';
  if (error instanceof TRPCClientError) {
    const data: unknown = error.data;
    if (data && typeof data === 'object' && 'zodError' in data && data.zodError) {
      const listed = zodMessage(data.zodError);
      if (listed) return listed;
    }
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

type FlatZodError = { formErrors?: string[]; fieldErrors?: Record<string, string[] | undefined> };

/** Validation problems listed in one message. */
const MAX_LISTED = 5;

/**
 * Every field zod refused, not just the first: fixing one and resubmitting to learn of the next
 * wastes a person's time. (tRPC's own message is the issues as raw JSON.)
 */
function zodMessage(flat: FlatZodError): string | null {
  // the server's shape (z.flattenError), checked: a proxy or an older server may send another
  const formErrors = Array.isArray(flat.formErrors) ? flat.formErrors : [];
  const fieldErrors = flat.fieldErrors && typeof flat.fieldErrors === 'object' ? flat.fieldErrors : {};
  const all = [
    ...formErrors,
    ...Object.entries(fieldErrors).flatMap(([field, msgs]) => (Array.isArray(msgs) ? msgs : []).map((m) => `${field}: ${m}`)),
  ];
  if (all.length === 0) return null;
  const more = all.length - MAX_LISTED;
  return all.slice(0, MAX_LISTED).join('; ') + (more > 0 ? `; and ${more} more` : '');
}
