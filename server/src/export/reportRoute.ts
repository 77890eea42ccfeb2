import type { Request, Response } from 'express';
import { z } from 'zod';
import { agentName, hasRole } from '@aegis/shared';
import type { AuthService } from '../auth';
import type { Services } from '../services';
import type { ExportGate } from './exportGate';
import { writePdf } from './pdfReport';
import { sinkOf } from './sink';
import { writeCsv, writeJson, writeMarkdown, writeYaml } from './textFormats';

export const exportFormat = z.enum(['json', 'yaml', 'md', 'pdf', 'csv']);

const DAY = 86_400_000;
const exportQuery = z
  .object({
    format: exportFormat.default('json'),
    from: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('Start of the range (default: 30 days ago)'),
    to: z.iso.datetime({ offset: true }).optional().describe('End of the range (default: now)'),
    agents: z
      .string()
      .max(10_000)
      .optional()
      .transform((s) =>
        s
          ? s
              .split(',')
              .map((a) => a.trim())
              .filter(Boolean)
          : undefined,
      )
      .pipe(z.array(agentName).max(1000).optional()),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), {
    message: '"from" must not be after "to"',
    path: ['from'],
  });

const TYPES = {
  json: ['application/json', 'json'],
  yaml: ['application/yaml', 'yaml'],
  md: ['text/markdown; charset=utf-8', 'md'],
  pdf: ['application/pdf', 'pdf'],
  csv: ['text/csv; charset=utf-8', 'csv'],
} as const;

/** How often a text report in preparation sends a newline, so proxies see the download alive. */
const HEARTBEAT_MS = 5_000;

/**
 * GET /export/report?format=json|yaml|md|pdf|csv&from&to&agents=a,b — the compliance report (or the
 * audit trail alone as CSV), streamed as it is read. Viewers and up; a key or a dashboard session.
 *
 * A report's head (the chain verified, manifests, violations…) is built before its trail, which
 * takes minutes at a million entries (bench 13: first byte after 194 s) — longer than the idle
 * timeout of most proxies and load balancers (60 s). Text formats therefore answer at once and
 * send a newline every few seconds until the head is ready (leading whitespace is insignificant
 * in JSON, YAML and Markdown); the entry count then comes as the `X-Aegis-Entries` trailer. PDF
 * must start with its signature: it still waits, and carries the count as a header.
 */
export function reportExportRoute(opts: {
  auth: AuthService;
  services: Services;
  gate: ExportGate;
  /** Tests shorten it. */
  heartbeatMs?: number;
}) {
  return async (req: Request, res: Response): Promise<void> => {
    const principal = await opts.auth.resolvePrincipal(req);
    if (!principal) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer')
        .json({ detail: 'An API key or a dashboard session is required' });
      return;
    }
    if (!hasRole(principal, 'viewer')) {
      res.status(403).json({ detail: `Exports need the viewer role; you are ${principal.role}` });
      return;
    }
    const parsed = exportQuery.safeParse(req.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      res
        .status(400)
        .json({ detail: `${issue?.path.join('.') || 'query'}: ${issue?.message ?? 'invalid'}` });
      return;
    }
    if (!opts.gate.admit(principal, res)) return;
    const q = parsed.data;
    const to = q.to ? new Date(q.to) : new Date();
    const range = {
      from: q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY),
      to,
      agents: q.agents,
    };
    const [type, ext] = TYPES[q.format];
    const compliance = opts.services.compliance;
    const early = q.format === 'json' || q.format === 'yaml' || q.format === 'md';
    const answer = () => {
      res.status(200);
      res.set('Content-Type', type);
      res.set(
        'Content-Disposition',
        `attachment; filename="aegis-${q.format === 'csv' ? 'audit-trail' : 'compliance-report'}-${to.toISOString().slice(0, 10)}.${ext}"`,
      );
      res.set('Cache-Control', 'no-store');
    };
    let head: Awaited<ReturnType<typeof compliance.head>> | null = null;
    if (early) {
      answer();
      res.set('Trailer', 'X-Aegis-Entries');
      res.flushHeaders();
      const beat = setInterval(() => res.write('\n'), opts.heartbeatMs ?? HEARTBEAT_MS);
      try {
        head = await compliance.head(range, principal);
      } catch (error) {
        // The answer has begun: the client sees a cut download, never a valid-looking file.
        res.destroy(error as Error);
        return;
      } finally {
        clearInterval(beat);
      }
    } else {
      head = q.format === 'csv' ? null : await compliance.head(range, principal);
      answer();
      if (head) res.set('X-Aegis-Entries', String(head.auditEntries));
    }
    const sink = sinkOf(res);
    const entries = compliance.entries({
      ...range,
      agents: range.agents && head ? head.agents : range.agents,
    });
    try {
      if (q.format === 'csv') await writeCsv(entries, sink);
      else if (!head) throw new Error('no report head');
      else if (q.format === 'json') await writeJson(head, entries, sink);
      else if (q.format === 'yaml') await writeYaml(head, entries, sink);
      else if (q.format === 'md') await writeMarkdown(head, entries, sink);
      else await writePdf(head, entries, sink);
      if (early) res.addTrailers({ 'X-Aegis-Entries': String(head?.auditEntries ?? 0) });
      res.end();
    } catch (error) {
      // Headers are sent: the client sees a cut download rather than a valid-looking file.
      res.destroy(error as Error);
    }
  };
}
