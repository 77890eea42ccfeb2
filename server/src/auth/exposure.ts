import type { Logger } from 'pino';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);

/** Whether binding to `host` keeps the server reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host.trim().toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host.trim());
}

/**
 * The server binds 127.0.0.1 by default. Binding elsewhere puts API keys and session cookies on
 * the network: without TLS in front (a reverse proxy, or `AEGIS_PUBLIC_URL` starting with
 * https://) they travel in clear text, so say so loudly. Returns whether it warned.
 */
export function warnIfExposed(host: string, logger: Logger, publicUrl?: string): boolean {
  if (isLoopback(host)) return false;
  if (publicUrl?.startsWith('https://')) return false;
  const message =
    `Aegis is listening on ${host}, reachable from other machines, without TLS: API keys and session ` +
    'cookies would cross the network in clear text. Put a TLS-terminating proxy in front and set ' +
    'AEGIS_PUBLIC_URL=https://…, or bind HOST=127.0.0.1.';
  logger.warn({ host }, message);
  return true;
}
