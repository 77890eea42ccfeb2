import type { NextFunction, Request, Response } from 'express';

/**
 * tRPC decodes the procedure path with decodeURIComponent and turns its URIError into a 500, so a
 * request like `GET /trpc/%` is refused here first: 400, in tRPC's error envelope, naming the path.
 * Mount at `/trpc`.
 */
export function refuseMalformedTrpcPath() {
  return function malformedTrpcPath(req: Request, res: Response, next: NextFunction): void {
    try {
      decodeURIComponent(req.path);
    } catch {
      const message = 'path: malformed percent-encoding in the procedure path';
      res.status(400).json({
        error: { message, code: -32600, data: { code: 'BAD_REQUEST', httpStatus: 400 } },
      });
      return;
    }
    next();
  };
}

/**
 * tRPC's Express adapter serves the text after the *last* `/` of the path, so `/trpc/x/audit.onEntry`,
 * `/trpc//audit.onEntry` or `/trpc/./audit.onEntry` all reach `audit.onEntry` — while the stream
 * limit and the live-stream handler (with its revocation guard) read the whole path after
 * `/trpc/` and so did not recognise them (attack review 7). A procedure path is one segment: any
 * other `/` (a trailing one too) is refused here with 404, so every path tRPC serves is the one
 * our guards see. An encoded `%2F` is no segment separator to the adapter either: it decodes into
 * the procedure name, which then names no procedure. Mount at `/trpc`.
 */
export function refuseNestedTrpcPath() {
  return function nestedTrpcPath(req: Request, res: Response, next: NextFunction): void {
    if (req.path.indexOf('/', 1) === -1) return next();
    const message =
      'path: a procedure path is one segment, /trpc/<procedure> — this one has extra ' +
      `segments (${JSON.stringify(req.path.slice(0, 200))})`;
    res.status(404).json({
      error: { message, code: -32004, data: { code: 'NOT_FOUND', httpStatus: 404 } },
    });
  };
}
