import type { NextFunction, Request, Response } from 'express';
import { jsonDepth, MAX_JSON_DEPTH } from '@aegis/shared';

// The depth rule is shared with the dashboard (its edited-arguments check).
export { jsonDepth, MAX_JSON_DEPTH };

/**
 * Refuses parsed JSON bodies nested deeper than {@link MAX_JSON_DEPTH} with 400. Mount after the
 * body parser: libraries further down (trpc-to-openapi re-serialises the body, zod walks it)
 * recurse and would turn a 10,000-deep array into a stack overflow and a 500.
 */
export function jsonDepthGuard(maxDepth = MAX_JSON_DEPTH) {
  return function jsonDepthGuardMiddleware(req: Request, res: Response, next: NextFunction): void {
    if (
      req.body !== null &&
      typeof req.body === 'object' &&
      jsonDepth(req.body, maxDepth) > maxDepth
    ) {
      res.status(400).json({ detail: `body: nested deeper than ${maxDepth} levels` });
      return;
    }
    next();
  };
}
