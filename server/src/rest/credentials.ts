import type { Request } from 'express';
import { readCookies, SESSION_COOKIE } from '../auth/cookies';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Changes whose only credential was a dashboard session cookie (dropped below). */
const sessionOnlyChanges = new WeakSet<Request>();

/** The refusal of such a change: "a key or a session is required" read as nonsense to its sender. */
export const SESSION_ONLY_CHANGE =
  'REST changes need an API key (Authorization: Bearer <key>); a dashboard session cookie is accepted only by the dashboard';

/**
 * REST changes take credentials only from the Authorization header (Bearer key, or HTTP Basic
 * with the key as password). A dashboard session cookie rides along on cross-site requests and a
 * body-less POST needs no CORS preflight, so honouring the cookie there would let any web page
 * pause agents or reset the demo (CSRF). The security middleware checks CSRF tokens as well;
 * this keeps the REST adapter safe on its own. Reads may use the session.
 */
export function withoutCookieCredentials(req: Request): void {
  if (SAFE_METHODS.has(req.method)) return;
  if (req.headers.authorization === undefined && readCookies(req).has(SESSION_COOKIE))
    sessionOnlyChanges.add(req);
  delete req.headers.cookie;
  const parsed = req as Request & { cookies?: unknown; signedCookies?: unknown };
  if (parsed.cookies !== undefined) parsed.cookies = {};
  if (parsed.signedCookies !== undefined) parsed.signedCookies = {};
}

/** Whether this change came with a dashboard session cookie and no other credential. */
export function sentOnlyASession(req: Request): boolean {
  return sessionOnlyChanges.has(req);
}
