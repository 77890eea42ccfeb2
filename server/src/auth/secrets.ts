import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every API key starts with this, so leaked keys are easy to grep for and to recognise. */
export const KEY_PREFIX = 'aegis_';

/** A fresh API key: the prefix plus 192 random bits, base64url. */
export function newApiKey(): string {
  return KEY_PREFIX + randomBytes(24).toString('base64url');
}

/** A random opaque token (sessions, login links): 256 bits, base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A short random public id for a key record. */
export function newKeyId(): string {
  return 'key_' + randomBytes(9).toString('base64url');
}

/** Secrets are stored and looked up only by this digest. */
export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * The CSRF token belonging to a session: derived from the session secret, so checking it needs
 * no database read and an attacker who cannot read the session cookie cannot compute it.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256')
    .update('aegis-csrf:' + sessionToken, 'utf8')
    .digest('base64url');
}

/** Constant-time string comparison for secrets. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
