import nodemailer, { type Transporter } from 'nodemailer';
import { signWebhook } from './crypto';

const HTTP_TIMEOUT_MS = 10_000;

/** POSTs JSON; anything but a 2xx answer is a failed attempt (retried by the dispatcher). */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'aegis-notify/1', ...headers },
    body,
    redirect: 'error',
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  // Drain the body so the connection is released.
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${new URL(url).origin}`);
}

/** A signed generic webhook: `X-Aegis-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
export function postSignedWebhook(
  url: string,
  secret: string,
  deliveryId: string,
  body: string,
  now = Date.now(),
): Promise<void> {
  const timestamp = Math.floor(now / 1000);
  return postJson(url, body, {
    'x-aegis-timestamp': String(timestamp),
    'x-aegis-signature': signWebhook(secret, timestamp, body),
    'x-aegis-delivery': deliveryId,
  });
}

export interface Mailer {
  send(mail: { from: string; to: string; subject: string; text: string }): Promise<void>;
  close(): void;
}

/** SMTP through nodemailer; null without AEGIS_SMTP_URL (e-mail deliveries then fail, visibly). */
export function createMailer(smtpUrl: string | undefined): Mailer | null {
  if (!smtpUrl) return null;
  const transport: Transporter = nodemailer.createTransport(smtpUrl);
  return {
    async send(mail) {
      await transport.sendMail(mail);
    },
    close: () => transport.close(),
  };
}
