import type { IncomingHttpHeaders } from 'node:http';
import type { Response } from 'express';

/** httpOnly, SameSite=Strict: the dashboard session. */
export const SESSION_COOKIE = 'aegis_session';
/** Readable by the dashboard's script, which echoes it in {@link CSRF_HEADER}. */
export const CSRF_COOKIE = 'aegis_csrf';
export const CSRF_HEADER = 'x-aegis-csrf';

/** Cookies of a request; malformed pairs are skipped, never thrown on. */
export function readCookies(req: { headers: IncomingHttpHeaders }): Map<string, string> {
  const out = new Map<string, string>();
  const header = req.headers.cookie;
  if (typeof header !== 'string' || header.length > 16_384) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      continue;
    }
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

export interface CookieOptions {
  secure: boolean;
  maxAgeSec: number;
}

function serialize(name: string, value: string, httpOnly: boolean, opts: CookieOptions): string {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    `Max-Age=${opts.maxAgeSec}`,
    'SameSite=Strict',
  ];
  if (httpOnly) parts.push('HttpOnly');
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}

/** Sets the session and CSRF cookies together. */
export function setSessionCookies(
  res: Response,
  session: string,
  csrf: string,
  opts: CookieOptions,
): void {
  res.append('Set-Cookie', serialize(SESSION_COOKIE, session, true, opts));
  res.append('Set-Cookie', serialize(CSRF_COOKIE, csrf, false, opts));
}

export function clearSessionCookies(res: Response, secure: boolean): void {
  const gone = { secure, maxAgeSec: 0 };
  res.append('Set-Cookie', serialize(SESSION_COOKIE, '', true, gone));
  res.append('Set-Cookie', serialize(CSRF_COOKIE, '', false, gone));
}
