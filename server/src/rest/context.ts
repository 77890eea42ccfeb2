import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Services } from '../services';
import type { AuthService } from '../auth/types';
import { createContextInner, type Context } from '../trpc/context';

/**
 * The tRPC context for a REST request, built like the `/trpc` one: the principal from the
 * request's credentials (Bearer key, or HTTP Basic with the key as password).
 */
export async function createRestContext(
  deps: { services: Services; auth: AuthService },
  req: Request,
  res: Response,
): Promise<Context> {
  const principal = await deps.auth.resolvePrincipal(req);
  return {
    ...createContextInner({ principal, services: deps.services, auth: deps.auth, requestId: requestIdOf(req) }),
    req,
    res,
  };
}

/** The id the server's request logger gave this request, else the caller's, else a new one. */
function requestIdOf(req: Request): string {
  const fromLogger = (req as Request & { id?: unknown }).id;
  if (typeof fromLogger === 'string' || typeof fromLogger === 'number') return String(fromLogger);
  const header = req.headers['x-request-id'];
  if (typeof header === 'string' && /^[A-Za-z0-9._-]{1,100}$/.test(header)) return header;
  return randomUUID();
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * REST changes take credentials only from the Authorization header: a dashboard session cookie
 * rides along on cross-site requests, and a body-less POST needs no CORS preflight, so honouring
 * the cookie there would let any web page pause agents or seed the demo (CSRF). Reads may use it.
 */
export function withoutCookieCredentials(req: Request): void {
  if (SAFE_METHODS.has(req.method)) return;
  delete req.headers.cookie;
  const parsed = req as Request & { cookies?: unknown; signedCookies?: unknown };
  if (parsed.cookies !== undefined) parsed.cookies = {};
  if (parsed.signedCookies !== undefined) parsed.signedCookies = {};
}
