import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { CSRF_HEADER, readCookies, SESSION_COOKIE } from './cookies';
import { csrfTokenFor, safeEqual } from './secrets';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/**
 * The login exchange does not use the current session, so it needs no CSRF token. An approval
 * link's confirmation form is a plain HTML form (the page's CSP allows no script to set a
 * header): its route checks the session's token in the form's `csrf` field instead
 * (notify/http.ts), and a link made for one reviewer needs no session at all.
 */
const CSRF_EXEMPT = new Set(['/trpc/auth.login', '/notify/decide']);

/** Express matches mount paths case-insensitively, so these checks must too. */
function isApiPath(path: string): boolean {
  const p = path.toLowerCase();
  return p === '/trpc' || p.startsWith('/trpc/') || p === '/api' || p.startsWith('/api/');
}

function isCsrfExempt(path: string): boolean {
  return CSRF_EXEMPT.has(path.toLowerCase().replace(/\/+$/, ''));
}

/** Answers a refusal in the shape the caller's API speaks (tRPC error envelope or REST `detail`). */
function refuse(req: Request, res: Response, message: string): void {
  res.status(403);
  if (req.path.toLowerCase().startsWith('/trpc')) {
    res.json({ error: { message, code: -32003, data: { code: 'FORBIDDEN', httpStatus: 403 } } });
  } else {
    res.json({ detail: message, message, code: 'FORBIDDEN' });
  }
}

function sameOrigin(req: Request, origin: string): boolean {
  const host = req.headers.host;
  return typeof host === 'string' && (origin === `http://${host}` || origin === `https://${host}`);
}

/** Helmet with a CSP for a Vite-built React app served from this origin: no inline scripts. */
function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Tailwind is a stylesheet, but component libraries set style attributes.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // The login link carries a token in its query string: never send it on as a referrer.
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
}

/** CORS: same origin always; other origins only from the allow-list; refusals are 403 for writes. */
function cors(allowList: ReadonlySet<string>): RequestHandler {
  return function corsGuard(req: Request, res: Response, next: NextFunction) {
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || sameOrigin(req, origin)) return next();
    const allowed = allowList.has(origin);
    if (allowed) {
      res.vary('Origin');
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
        res.setHeader(
          'Access-Control-Allow-Headers',
          `content-type, authorization, ${CSRF_HEADER}, trpc-accept, last-event-id`,
        );
        res.setHeader('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
      return next();
    }
    // A foreign page may still fire a write (no preflight for simple requests): refuse it here.
    if (!SAFE_METHODS.has(req.method) || req.method === 'OPTIONS')
      return refuse(req, res, `Origin ${origin} is not allowed`);
    next();
  };
}

/**
 * CSRF for cookie-authenticated writes: the dashboard echoes the readable `aegis_csrf` cookie in
 * the `x-aegis-csrf` header; a page on another site can neither read the cookie nor set the header.
 * Requests carrying an Authorization header are not cookie-authenticated and need no token.
 */
function csrf(): RequestHandler {
  return function csrfGuard(req: Request, res: Response, next: NextFunction) {
    // Every path, not only /trpc and /api: a write that some router accepts under another spelling
    // of the path must not slip past.
    if (SAFE_METHODS.has(req.method) || isCsrfExempt(req.path)) return next();
    if (typeof req.headers.authorization === 'string' && req.headers.authorization.trim() !== '')
      return next();
    const session = readCookies(req).get(SESSION_COOKIE);
    if (!session) return next();
    const sent = req.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !safeEqual(sent, csrfTokenFor(session))) {
      return refuse(
        req,
        res,
        `Missing or wrong ${CSRF_HEADER} header (copy it from the aegis_csrf cookie)`,
      );
    }
    next();
  };
}

/**
 * The headers every API answer carries (helmet's, with the configuration above, and no caching),
 * for the handlers that answer without Express: recorded once by running helmet against a
 * response that only remembers what was set, so the two paths cannot drift apart.
 */
export function apiResponseHeaders(): ReadonlyArray<readonly [string, string]> {
  const recorded = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: unknown) {
      recorded.set(name.toLowerCase(), String(value));
    },
    removeHeader(name: string) {
      recorded.delete(name.toLowerCase());
    },
  };
  let finished = false;
  // helmet's middleware is synchronous: it sets its headers and calls next before returning.
  (securityHeaders() as unknown as (req: object, res: object, next: () => void) => void)(
    { headers: {} },
    recorder,
    () => (finished = true),
  );
  if (!finished) throw new Error('helmet did not finish synchronously');
  recorded.set('cache-control', 'no-store');
  return [...recorded];
}

/** API answers depend on who asks: never cache them. */
function noStore(req: Request, res: Response, next: NextFunction): void {
  if (isApiPath(req.path)) res.setHeader('Cache-Control', 'no-store');
  next();
}

/**
 * Mount before the routers: security headers, CORS (same origin by default, plus `corsOrigins`),
 * CSRF protection for cookie-authenticated writes, and no caching of API answers.
 */
export function securityMiddleware(opts: { corsOrigins: string[] }): RequestHandler[] {
  const allowList = new Set(opts.corsOrigins.map((o) => o.replace(/\/+$/, '')));
  return [securityHeaders(), cors(allowList), csrf(), noStore];
}
