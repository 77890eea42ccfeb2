import { HttpAnswerError, isGatewayStatus } from './nodeFetch';

/**
 * Several Aegis servers behind one client: `url` (or `AEGIS_URL`) may list several base URLs,
 * comma-separated. Requests go to one server until it stops answering — the connection is
 * refused or reset, no answer comes in time, or a gateway in front of it answers 502/503/504 for
 * it — and are then sent to the next one. Retrying is safe for decisions: the server stores one
 * decision per call id and answers a retry with it. Any other answer (Aegis's own, or a proxy's
 * 4xx such as a body limit's 413) is never retried: it is an answer, not the lack of one. Only when no server answers does the request fail
 * (and a guarded call fails closed, as before).
 */
export interface Failover {
  /** Every base URL, in the order given. */
  readonly bases: readonly string[];
  /** The base requests go to now. */
  current(): string;
  /** Wraps a fetch made for `bases[0]`: rewritten to the current base, failed over on no answer. */
  wrap<I extends string | URL | { url: string }, R, Init>(
    fetchFn: (input: string, init?: Init) => Promise<R>,
  ): (input: I, init?: Init) => Promise<R>;
}

/** `http://a:8000, http://b:8000/` → the two URLs without trailing slashes. */
export function splitUrls(url: string): string[] {
  const urls = url
    .split(',')
    .map((u) => u.trim().replace(/\/+$/, ''))
    .filter((u) => u.length > 0);
  if (urls.length === 0) throw new TypeError('no Aegis server URL given');
  for (const u of urls) {
    // `127.0.0.1:8000` would fail every request with a bare "Invalid URL": say it once, up front.
    if (!/^https?:\/\/[^/]/i.test(u) || !URL.canParse(u))
      throw new TypeError(
        `Aegis URL "${u}" (url / --url or AEGIS_URL) is not an http:// or https:// URL: write it like http://127.0.0.1:8000`,
      );
  }
  return urls;
}

const UNANSWERED = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * The server gave no answer: a network error, a timeout, or a gateway's 502/503/504 (as opposed to
 * the caller aborting, a request that could not be made, or any other HTTP answer). This is the
 * one test of "unreachable" — fail-open and failover both rest on it.
 */
export function noAnswer(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | null;
  if (!e) return false;
  if (e instanceof HttpAnswerError) return isGatewayStatus(e.status);
  if (typeof e.code === 'string' && UNANSWERED.has(e.code)) return true;
  if (e.name === 'TimeoutError') return true;
  if (e.message === 'socket hang up' || e.message === 'fetch failed') return true;
  return e.cause !== undefined && e.cause !== error && noAnswer(e.cause);
}

export function createFailover(bases: readonly string[]): Failover {
  let index = 0;
  return {
    bases,
    current: () => bases[index] as string,
    wrap(fetchFn) {
      return async (input, init) => {
        const href =
          typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        const first = bases[0] as string;
        const path = href.startsWith(first) ? href.slice(first.length) : null;
        if (path === null || bases.length === 1) return fetchFn(href, init);
        let lastError: unknown;
        for (let tried = 0; tried < bases.length; tried++) {
          const at = index;
          try {
            return await fetchFn(`${bases[at] as string}${path}`, init);
          } catch (error) {
            if (!noAnswer(error)) throw error;
            lastError = error;
            // Move on, unless a concurrent request already did.
            if (index === at) index = (at + 1) % bases.length;
          }
        }
        throw lastError;
      };
    },
  };
}
