import { z } from 'zod';
import { agentPattern, channelName } from './policyRules';
import { isoTime } from './common';

/**
 * Notification channels (issue 23): where an approval waiting for a person is announced, with
 * one-click approve/deny links. A rule names channels in `notify:`; a channel may also follow
 * agents (every approval of a matching agent is announced on it).
 */
export const channelKind = z
  .enum(['webhook', 'slack', 'email'])
  .describe(
    'webhook: signed JSON POST; slack: a Slack-compatible incoming webhook; email: SMTP (AEGIS_SMTP_URL)',
  );
export type ChannelKind = z.infer<typeof channelKind>;

const httpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .describe('http(s) URL the channel POSTs to');

const emailAddress = z.email().max(254);

const common = {
  name: channelName.describe('Unique channel name, as rules write it in notify: [...]'),
  agents: z
    .array(agentPattern)
    .max(100)
    .optional()
    .describe(
      'Also announce every approval of these agents (names or globs), whatever rule opened it',
    ),
};

export const createChannelInput = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('webhook'), url: httpUrl }).strict(),
  z
    .object({
      ...common,
      kind: z.literal('slack'),
      url: httpUrl.describe('The Slack incoming-webhook URL'),
      signingSecret: z
        .string()
        .min(8)
        .max(200)
        .optional()
        .describe(
          "The Slack app's signing secret: buttons then decide through /notify/slack/<name>",
        ),
    })
    .strict(),
  z
    .object({
      ...common,
      kind: z.literal('email'),
      to: z
        .array(emailAddress)
        .min(1)
        .max(50)
        // One mailbox listed twice (`rita@…`, `Rita@…`) would be mailed two sets of links.
        .refine(
          (to) => new Set(to.map((a) => a.toLowerCase())).size === to.length,
          'an address is listed twice (addresses are compared without regard to case)',
        )
        .describe('Reviewers; each gets links signed for them'),
    })
    .strict(),
]);
export type CreateChannelInput = z.infer<typeof createChannelInput>;

export const channelInfo = z.object({
  name: channelName,
  kind: channelKind,
  /** Scheme and host only: the rest of a webhook URL is often a secret (Slack's is). */
  target: z.string().describe('Where it delivers: the URL origin, or the e-mail addresses'),
  agents: z.array(z.string()),
  interactive: z.boolean().describe('Slack: a signing secret is stored, so buttons can decide'),
  createdAt: isoTime,
  createdBy: z.string(),
});
export type ChannelInfo = z.infer<typeof channelInfo>;

export const createChannelResult = z.object({
  channel: channelInfo,
  secret: z
    .string()
    .nullable()
    .describe('webhook: the HMAC signing secret, shown once (verify X-Aegis-Signature with it)'),
});

export const deliveryStatus = z.enum(['pending', 'sending', 'delivered', 'failed']);
export const deliveryEvent = z.enum(['approval.opened', 'approval.escalated', 'test']);

export const deliveryInfo = z.object({
  id: z.string(),
  channel: z.string(),
  event: deliveryEvent,
  approvalId: z.number().int().nullable(),
  status: deliveryStatus,
  attempts: z.number().int().nonnegative(),
  lastError: z.string().nullable(),
  createdAt: isoTime,
  nextAttemptAt: isoTime.nullable(),
  deliveredAt: isoTime.nullable(),
});
export type DeliveryInfo = z.infer<typeof deliveryInfo>;

export const deliveriesInput = z.object({
  channel: channelName.optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

/** The SLA in milliseconds. */
export function durationMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return n * unit;
}
