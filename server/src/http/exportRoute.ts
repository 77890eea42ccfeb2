import type { Request, Response } from 'express';
import type { ExportGate } from '../export/exportGate';
import { readerCaughtUp } from '../export/sink';
import { z } from 'zod';
import {
  activityFilterOf,
  activityParams,
  hasRole,
  paramsRecord,
  type AuditEntry,
} from '@aegis/shared';
import type { AuthService } from '../auth';
import type { Services } from '../services';

/** Most entries one export holds (`limit=` asks for fewer). */
export const EXPORT_MAX = 1_000_000;

const exportParams = activityParams.extend({
  format: z.enum(['csv', 'json']).default('csv'),
  limit: z.coerce.number().int().min(1).max(EXPORT_MAX).default(EXPORT_MAX),
});

const COLUMNS = [
  'id',
  'timestamp',
  'agent',
  'action',
  'status',
  'source',
  'actor',
  'rule',
  'details',
  'argsPreview',
  'outcome',
  'durationMs',
  'callId',
  'approvalId',
  'detectors',
] as const;

function cells(e: AuditEntry): unknown[] {
  const detectors = [...new Set((e.findings ?? []).map((f) => f.detector))].join(' ');
  return [
    e.id,
    e.timestamp,
    e.agent,
    e.action,
    e.status,
    e.source,
    e.actor ?? '',
    e.rule?.id ?? '',
    e.details,
    e.argsPreview ?? '',
    e.outcome ?? '',
    e.durationMs ?? '',
    e.callId ?? '',
    e.approvalId ?? '',
    detectors,
  ];
}

/**
 * One CSV cell (RFC 4180 quoting). Text a spreadsheet would run as a formula (`=`, `+`, `-`,
 * `@`, tab, CR first) gets a leading `'`: arguments come from agents and can't be trusted.
 */
export function csvCell(value: unknown): string {
  if (typeof value === 'number') return String(value);
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * GET /export/audit?format=csv|json&…: the Activity filter's entries (same URL parameters as the
 * Activity page), newest first, streamed as they are read from the store, so an export of a
 * million entries holds one batch in memory. Viewers and up, by key or session, like the rest.
 */
export function exportRoute(opts: {
  auth: AuthService;
  services: Services;
  gate: ExportGate;
  /** Tests shorten it (default READER_STALL_MS). */
  stallMs?: number;
}) {
  return async (req: Request, res: Response): Promise<void> => {
    const principal = await opts.auth.resolvePrincipal(req);
    if (!principal) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer')
        .json({ detail: 'Exporting the audit log needs a key or a session' });
      return;
    }
    if (!hasRole(principal, 'viewer')) {
      res.status(403).json({
        detail: `Exporting the audit log needs the viewer role or above; you are ${principal.role}`,
      });
      return;
    }
    const raw = paramsRecord(new URL(req.originalUrl, 'http://x').searchParams);
    const parsed = exportParams.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`);
      res.status(400).json({ detail: `Bad export filter: ${issues.join('; ')}`, issues });
      return;
    }
    if (!opts.gate.admit(principal, res)) return;
    const { format, limit, ...params } = parsed.data;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    res
      .status(200)
      .set(
        'Content-Type',
        format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      )
      .set('Content-Disposition', `attachment; filename="aegis-audit-${stamp}.${format}"`)
      .set('Cache-Control', 'no-store');
    let closed = false;
    res.on('close', () => (closed = true));
    const write = async (chunk: string) => {
      // A closed or stalled (and so cut) download ends the loop below through `closed`.
      if (!res.write(chunk)) await readerCaughtUp(res, opts.stallMs).catch(() => undefined);
    };
    await write(format === 'csv' ? COLUMNS.join(',') + '\r\n' : '[');
    let n = 0;
    try {
      for await (const entry of opts.services.audit.stream(activityFilterOf(params), limit)) {
        if (closed) break;
        if (format === 'csv') await write(cells(entry).map(csvCell).join(',') + '\r\n');
        else await write((n === 0 ? '\n' : ',\n') + JSON.stringify(entry));
        n++;
      }
    } catch (error) {
      // Headers are gone: cut the body short so the client sees a truncated download, not a whole one.
      (req as Request & { log?: { error(o: object, m: string): void } }).log?.error(
        { err: error },
        'export failed',
      );
      res.destroy();
      return;
    }
    if (format === 'json') await write(n === 0 ? ']\n' : '\n]\n');
    res.end();
  };
}
