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
