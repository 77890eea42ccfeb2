import type { NextFunction, Request, Response } from 'express';
import type { AuthService } from '../auth/types';

/** A refused stream asks the client to wait this long before trying again. */
const RETRY_AFTER_S = 5;

/**
 * At most `limit` live streams (SSE subscriptions) per principal on this server: the next one is
 * refused with 429 before tRPC opens it (once tRPC has started a stream, an error can only be an
 * event inside a 200 answer). A stream's slot is freed when its connection closes, however it
 * closes. The count is this process's own: a stream is a socket held by this process, and it
 * lives and dies with it (N servers allow N × limit, each bounded on its own resources).
 * Mount at `/trpc`, after the malformed-path guard.
 */
export function limitStreams(opts: {
  auth: AuthService;
  limit: number;
  /** The subscription procedures' paths (`audit.onEntry`, …). */
  subscriptions: ReadonlySet<string>;
}) {
  const open = new Map<string, number>();
  const release = (key: string) => {
    const left = (open.get(key) ?? 1) - 1;
    if (left > 0) open.set(key, left);
    else open.delete(key);
  };
  return async function streamLimit(req: Request, res: Response, next: NextFunction) {
    if (!opts.subscriptions.has(decodeURIComponent(req.path.slice(1)))) return next();
    let principal;
    try {
      principal = await opts.auth.resolvePrincipal(req);
    } catch (error) {
      return next(error);
    }
    // No principal: tRPC answers UNAUTHORIZED in the stream's own terms.
    if (!principal) return next();
    const key = principal.keyId;
    const count = open.get(key) ?? 0;
    if (count >= opts.limit) {
      const message =
        `Too many live streams for this key: at most ${opts.limit} at once (AEGIS_MAX_STREAMS); ` +
        'close one before opening another';
      res.setHeader('Retry-After', String(RETRY_AFTER_S));
      res.status(429).json({
        error: { message, code: -32029, data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429 } },
      });
      return;
    }
    open.set(key, count + 1);
    res.once('close', () => release(key));
    next();
  };
}
