import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { TRPCError } from '@trpc/server';
import { SESSION_ONLY_CHANGE, sentOnlyASession } from './credentials';

/** One invalid field, as the `issues` extra of an error body. */
export interface SeedIssue {
  path: string;
  message: string;
}

/** The seed's error body, `{"detail": "..."}`, with our code and per-field issues as extras. */
export interface SeedError {
  detail: string;
  code?: string;
  issues?: SeedIssue[];
}

interface RawIssue {
  path?: unknown;
  message?: unknown;
}

function toIssue(raw: RawIssue): SeedIssue {
  const path = Array.isArray(raw.path) ? raw.path.map(String).join('.') : '';
  return { path: path || '(body)', message: typeof raw.message === 'string' ? raw.message : 'invalid' };
}

/** Turns trpc-to-openapi's error body (`{message, code, issues?, data}`) into the seed's shape. */
export function toSeedError(body: unknown, status: number): SeedError {
  const raw = (body ?? {}) as {
    message?: unknown;
    code?: unknown;
    issues?: unknown;
    data?: { aegisCode?: unknown };
  };
  // the domain's code when a service refused (UNKNOWN_AGENT, …), else the tRPC code
  const aegisCode = raw.data?.aegisCode;
  const code =
    typeof aegisCode === 'string' ? aegisCode : typeof raw.code === 'string' ? raw.code : undefined;
  if (Array.isArray(raw.issues) && raw.issues.length > 0) {
    const issues = (raw.issues as RawIssue[]).map(toIssue);
    return { detail: issues.map((i) => `${i.path}: ${i.message}`).join('; '), code, issues };
  }
  // a 500's message may carry internals (a driver error); it is logged, not sent
  const detail = status >= 500 || typeof raw.message !== 'string' ? 'Internal server error' : raw.message;
  return { detail, code };
}

/**
 * The seed answered 400 where tRPC says CONFLICT (deciding an approval twice), and only used
 * 400/404 for client mistakes; authentication and authorization keep 401/403.
 */
export function seedStatusFor(error: TRPCError): number | undefined {
  return error.code === 'CONFLICT' ? 400 : undefined;
}

/** The seed-shaped body for a handler's error body; null when it is not JSON or already seed-shaped. */
function rewrite(chunk: string, status: number, req: Request): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(chunk);
  } catch {
    return null;
  }
  if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { detail?: unknown }).detail === 'string') return null;
  const error = toSeedError(parsed, status);
  // The adapter dropped the cookie (rest/credentials.ts), so the procedure saw no credential.
  if (status === 401 && sentOnlyASession(req)) error.detail = SESSION_ONLY_CHANGE;
  return JSON.stringify(error);
}

/**
 * Rewrites JSON error bodies written by the trpc-to-openapi handler into the seed's shape.
 * The handler offers no hook for the body, so its one `res.end` call is intercepted.
 */
export function seedErrorBodies(): RequestHandler {
  return function seedErrorBodies(req: Request, res: Response, next: NextFunction) {
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.end = function endWithSeedError(...args: unknown[]) {
      const [chunk] = args;
      if (res.statusCode >= 400 && typeof chunk === 'string' && !res.headersSent) {
        const rewritten = rewrite(chunk, res.statusCode, req);
        if (rewritten !== null) {
          args[0] = rewritten;
          res.removeHeader('Content-Length');
        }
      }
      return end(...args);
    } as Response['end'];
    next();
  };
}

/** Errors raised before the handler (a body that is not JSON, or too large) in the seed's shape. */
export function seedErrorHandler() {
  return function seedErrorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
    if (res.headersSent) return next(err);
    const e = err as { status?: unknown; type?: unknown; message?: unknown };
    const status = typeof e.status === 'number' && e.status >= 400 && e.status < 500 ? e.status : 500;
    const detail =
      e.type === 'entity.parse.failed'
        ? 'body: not a valid JSON object'
        : status < 500 && typeof e.message === 'string'
          ? e.message
          : 'Internal server error';
    res.status(status).json({ detail } satisfies SeedError);
  };
}
