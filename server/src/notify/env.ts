import { z } from 'zod';

const ms = (fallback: number) => z.coerce.number().int().min(1).max(86_400_000).default(fallback);

/** Notification settings from the environment (validated; a bad value stops the server with its name). */
export const notifyEnv = z.object({
  /** smtp://user:pass@host:port or smtps://…; without it e-mail channels record a failed delivery. */
  AEGIS_SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  AEGIS_SMTP_FROM: z.string().min(3).max(200).default('Aegis <aegis@localhost>'),
  /** How often each server looks for due deliveries and lapsed SLAs. */
  AEGIS_NOTIFY_TICK_MS: ms(2000),
  /** First retry delay; each further retry doubles it. */
  AEGIS_NOTIFY_RETRY_MS: ms(5000),
  AEGIS_NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  /** Decision links expire after this long, or with the approval, whichever is first. */
  AEGIS_LINK_TTL_MS: ms(24 * 3_600_000),
});
export type NotifyEnv = z.infer<typeof notifyEnv>;

export function loadNotifyEnv(env: NodeJS.ProcessEnv = process.env): NotifyEnv {
  const parsed = notifyEnv.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new Error(`Invalid notification settings: ${problems}`);
}
