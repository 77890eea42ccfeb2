import type { Request } from 'express';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * REST changes take credentials only from the Authorization header (Bearer key, or HTTP Basic
 * with the key as password). A dashboard session cookie rides along on cross-site requests and a
 * body-less POST needs no CORS preflight, so honouring the cookie there would let any web page
 * pause agents or reset the demo (CSRF). The security middleware checks CSRF tokens as well;
 * this keeps the REST adapter safe on its own. Reads may use the session.
 */
export function withoutCookieCredentials(req: Request): void {
  if (SAFE_METHODS.has(req.method)) return;
  delete req.headers.cookie;
  const parsed = req as Request & { cookies?: unknown; signedCookies?: unknown };
  if (parsed.cookies !== undefined) parsed.cookies = {};
  if (parsed.signedCookies !== undefined) parsed.signedCookies = {};
}
