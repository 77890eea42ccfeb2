import type { IncomingHttpHeaders } from 'node:http';
import { readCookies, SESSION_COOKIE } from './cookies';

/** What a request presents: an API key (Bearer or Basic), a session cookie, or nothing. */
export type Credential =
  { kind: 'key'; key: string } | { kind: 'session'; token: string } | { kind: 'invalid' } | null;

/**
 * Reads the credential of a request. An Authorization header wins over the cookie; a malformed
 * header is `invalid` rather than falling back to the cookie, so a request never silently runs
 * as someone other than the credential it sent.
 */
export function credentialOf(req: { headers: IncomingHttpHeaders }): Credential {
  const header = req.headers.authorization;
  if (typeof header === 'string' && header.trim() !== '') return fromAuthorization(header.trim());
  const session = readCookies(req).get(SESSION_COOKIE);
  return session ? { kind: 'session', token: session } : null;
}

function fromAuthorization(header: string): Credential {
  const space = header.indexOf(' ');
  if (space < 0 || header.length > 1000) return { kind: 'invalid' };
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value ? { kind: 'key', key: value } : { kind: 'invalid' };
  if (scheme === 'basic') {
    // The seed's Python SDK puts the key in the URL's userinfo (http://agent:KEY@host): the
    // password is the key; a bare `KEY@host` puts it in the user name instead.
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    const key = password || user;
    return key ? { kind: 'key', key: safeDecode(key) } : { kind: 'invalid' };
  }
  return { kind: 'invalid' };
}

/** Userinfo may arrive percent-encoded from some clients. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
