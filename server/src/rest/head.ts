import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * A HEAD answer's `Content-Length`: the length of the body GET would send. Node drops the body of
 * an answer to HEAD and, unlike Express's `res.send`, then sets no length; the handler's one
 * `res.end(body)` is intercepted to set it, as for GET.
 */
export function lengthFromBody(res: ServerResponse): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = function endWithLength(...args: unknown[]) {
    const [chunk] = args;
    if (
      (typeof chunk === 'string' || chunk instanceof Uint8Array) &&
      !res.headersSent &&
      !res.hasHeader('content-length')
    )
      res.setHeader(
        'content-length',
        typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength,
      );
    return end(...args);
  } as ServerResponse['end'];
}

/**
 * HEAD is GET without a body (RFC 9110 §9.3.2), as Express answers it for its own routes; the
 * trpc-to-openapi handler matches GET only, so HEAD on a seed path was a 404. The request goes on
 * as a GET (same procedure, checks and status); Node sends no body for it. Mount it before
 * `seedErrorBodies`, whose rewritten error body is then the one measured.
 */
export function headAsGet(): RequestHandler {
  return function headAsGet(req: Request, res: Response, next: NextFunction) {
    if (req.method === 'HEAD') {
      req.method = 'GET';
      lengthFromBody(res);
    }
    next();
  };
}
