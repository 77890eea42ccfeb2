import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { approvalDecision } from '@aegis/shared';
import { safeEqualText } from './crypto';

/**
 * What a decision link (or a Slack button) carries, signed: which approval, which answer, the
 * channel it went out on (name and generation), the reviewer it was made for (e-mail: one per recipient; null: the
 * person must be signed in, or is named by Slack), when it expires, and a nonce that makes it
 * single-use per person.
 */
export const linkClaims = z.object({
  a: z.number().int().positive(),
  d: approvalDecision,
  c: z.string().min(1).max(64),
  /**
   * The channel's generation (its creation time, ms): a channel removed and made again under the
   * same name is a new channel, and the old one's links stay dead. Absent on links made before it
   * existed, which are refused.
   */
  g: z.string().min(1).max(32).optional(),
  r: z.string().min(1).max(254).nullable(),
  e: z.number().int().positive(),
  n: z.string().min(8).max(64),
});
export type LinkClaims = z.infer<typeof linkClaims>;

export function signLink(key: Buffer, claims: Omit<LinkClaims, 'n'>): string {
  const body = Buffer.from(
    JSON.stringify({ ...claims, n: randomBytes(12).toString('base64url') }),
  ).toString('base64url');
  return `${body}.${mac(key, body)}`;
}

export type LinkCheck =
  { ok: true; claims: LinkClaims } | { ok: false; reason: string; status: 400 | 410 };

/** A link's claims if its signature holds and it has not expired. */
export function verifyLink(key: Buffer, token: string, now = Date.now()): LinkCheck {
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined || !safeEqualText(sig, mac(key, body))) {
    return {
      ok: false,
      reason: 'This link is not valid (it was changed, or not made by this server).',
      status: 400,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'This link is not valid.', status: 400 };
  }
  const parsed = linkClaims.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'This link is not valid.', status: 400 };
  if (parsed.data.e <= now) return { ok: false, reason: 'This link has expired.', status: 410 };
  return { ok: true, claims: parsed.data };
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

/** The generation a link names for this channel: see {@link LinkClaims} `g`. */
export function channelGeneration(channel: { createdAt: Date }): string {
  return String(channel.createdAt.getTime());
}
