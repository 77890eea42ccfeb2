import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { AuthService } from '../auth';
import type { AegisMetrics } from '../observability/metrics';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * GET /metrics (Prometheus text format): admins, or whoever presents AEGIS_METRICS_TOKEN as a
 * bearer token (a scrape credential that opens nothing else). No credential: 401; any other
 * key or session: 403. The numbers are this process's (see observability/metrics.ts).
 */
export function metricsRoute(opts: { auth: AuthService; metrics: AegisMetrics; token?: string }) {
  const expected = opts.token ? digest(opts.token) : null;
  return async (req: Request, res: Response): Promise<void> => {
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    // Hashes have equal lengths, so the comparison takes the same time whatever was sent.
    const byToken = expected !== null && bearer !== undefined && timingSafeEqual(digest(bearer), expected);
    if (!byToken) {
      const principal = await opts.auth.resolvePrincipal(req);
      if (!principal) {
        res.status(401).set('WWW-Authenticate', 'Bearer').json({ detail: 'Scraping /metrics needs an admin key or AEGIS_METRICS_TOKEN' });
        return;
      }
      if (principal.role !== 'admin') {
        res.status(403).json({ detail: `Scraping /metrics needs the admin role or AEGIS_METRICS_TOKEN; you are ${principal.role}` });
        return;
      }
    }
    res.set('Content-Type', opts.metrics.contentType).set('Cache-Control', 'no-store');
    res.send(await opts.metrics.render());
  };
}
