import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

const VALID_ID = /^[A-Za-z0-9._-]{1,100}$/;

export type RequestWithId = Request & { id?: string; log?: Logger };

/**
 * Gives every request an id (the caller's `x-request-id` when it is sane, else a new one),
 * returns it in the response header, and logs one line per finished request. Only the method,
 * path (no query string: it may carry a login token), status and duration are logged — never
 * headers, so credentials and cookies cannot end up in logs.
 */
export function requestLog(logger: Logger) {
  const debug = logger.isLevelEnabled('debug');
  return function requestLogMiddleware(
    req: RequestWithId,
    res: Response,
    next: NextFunction,
  ): void {
    const header = req.headers['x-request-id'];
    const id = typeof header === 'string' && VALID_ID.test(header) ? header : randomUUID();
    req.id = id;
    // The child logger is made on first use: most requests never log anything.
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', {
      configurable: true,
      get: () => (child ??= logger.child({ reqId: id })),
    });
    res.setHeader('x-request-id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      if (res.statusCode < 500 && !debug) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        ms: Math.round(ms * 100) / 100,
      };
      if (res.statusCode >= 500) req.log?.error(line, 'request failed');
      else req.log?.debug(line, 'request');
    });
    next();
  };
}
