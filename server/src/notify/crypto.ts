import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/**
 * The notifier's keys, derived from the installation's approval-binding secret, so every server
 * sharing the database derives the same ones and no new secret has to be distributed.
 */
export interface NotifyKeys {
  /** AES-256-GCM key for channel secrets at rest (webhook signing secrets, Slack URLs). */
  seal: Buffer;
  /** HMAC key of decision links. */
  links: Buffer;
}

export function deriveKeys(bindingSecret: Buffer): NotifyKeys {
  const derive = (label: string) => createHmac('sha256', bindingSecret).update(label).digest();
  return { seal: derive('aegis-notify-seal-v1'), links: derive('aegis-notify-links-v1') };
}

/** Encrypts a channel secret for the database: `v1.<iv>.<tag>.<ciphertext>`, base64url. */
export function seal(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function unseal(key: Buffer, sealed: string): string {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([
    decipher.update(Buffer.from(body, 'base64url')),
    decipher.final(),
  ]).toString('utf8');
}

/** A webhook signing secret, shown once: `whsec_` + 192 random bits. */
export function newWebhookSecret(): string {
  return 'whsec_' + randomBytes(24).toString('base64url');
}

/**
 * The signature a webhook receiver checks: `v1=` + hex HMAC-SHA256 over `<timestamp>.<body>`
 * (seconds since the epoch), sent as `X-Aegis-Signature` with `X-Aegis-Timestamp`.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return 'v1=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** Slack's request signing (v0): `v0=` + hex HMAC-SHA256 over `v0:<timestamp>:<raw body>`. */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: string): string {
  return (
    'v0=' + createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')
  );
}

export function safeEqualText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
