/**
 * A tracked subscription event as createCaller yields it. The server-side value is tRPC's
 * envelope `[id, data, symbol]`, while the caller's type says `{ id, data }`; accept both.
 */
export function unwrapTracked<T>(value: unknown): { id: string; data: T } {
  if (Array.isArray(value)) return { id: String(value[0]), data: value[1] as T };
  return value as { id: string; data: T };
}

/** Pulls the next value of a subscription iterator, failing instead of hanging. */
export async function nextTracked<T>(
  iterator: AsyncIterator<unknown>,
  timeoutMs = 10_000,
): Promise<{ id: string; data: T }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const result = await Promise.race([iterator.next(), timeout]);
    if (result.done) throw new Error('the stream ended');
    return unwrapTracked<T>(result.value);
  } finally {
    clearTimeout(timer);
  }
}
