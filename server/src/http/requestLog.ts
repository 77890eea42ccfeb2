import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

const VALID_ID = /^[A-Za-z0-9._-]{1,100}$/;

export type RequestWithId = Request & { id?: string; log?: Logger };

/** The caller's `x-request-id` when it is sane, else a new one. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const header = headers['x-request-id'];
  return typeof header === 'string' && VALID_ID.test(header) ? header : randomUUID();
}

/**
 * Logs one line when `res` finishes: at debug level for every request, at error level for 5xx.
 * Only method, path (no query string: it may carry a login token), status and duration — never
 * headers, so credentials and cookies cannot end up in logs.
 */
export function logWhenFinished(
  res: ServerResponse,
  line: { method?: string; url?: string },
  log: () => Logger,
  debug: boolean,
): void {
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    if (res.statusCode < 500 && !debug) return;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const entry = {
      method: line.method,
      path: (line.url ?? '').split('?')[0],
      status: res.statusCode,
      ms: Math.round(ms * 100) / 100,
    };
    if (res.statusCode >= 500) log().error(entry, 'request failed');
    else log().debug(entry, 'request');
  });
}

/**
 * Gives every request an id, returns it in the response header, and logs one line per finished
 * request (see {@link logWhenFinished}).
 */
export function requestLog(logger: Logger) {
  const debug = logger.isLevelEnabled('debug');
  return function requestLogMiddleware(
    req: RequestWithId,
    res: Response,
    next: NextFunction,
  ): void {
    const id = requestIdOf(req.headers);
    req.id = id;
    // The child logger is made on first use: most requests never log anything.
    let child: Logger | undefined;
    const log = () => (child ??= logger.child({ reqId: id }));
    Object.defineProperty(req, 'log', { configurable: true, get: log });
    res.setHeader('x-request-id', id);
    logWhenFinished(res, { method: req.method, url: req.originalUrl }, log, debug);
    next();
  };
}
