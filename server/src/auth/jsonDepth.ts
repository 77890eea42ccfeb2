import type { NextFunction, Request, Response } from 'express';

/** Deeper than any real input; deep enough that recursive code downstream cannot overflow the stack. */
export const MAX_JSON_DEPTH = 64;

/** The nesting depth of a parsed JSON value, computed without recursion (so it cannot overflow itself). */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Object.values(node as Record<string, unknown>))
      stack.push([child, depth + 1]);
  }
  return max;
}

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
