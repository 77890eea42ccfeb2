import { matchesSearch } from '@aegis/shared';
import type { RouterInputs } from './trpc';
import { isSignIn, type AuditEntry } from './liveFeed';
import { RANGE_PRESETS, type RangePreset } from '../hooks/useRange';

type Input = RouterInputs['audit']['list'];
type Status = AuditEntry['status'];
type Source = AuditEntry['source'];

/** The Activity filter as the URL holds it (the names the export route and `aegis logs` take). */
export interface ActivityUrlFilter {
  agents: string[];
  statuses: Status[];
  sources: Source[];
  action: string;
  rule: string;
  /** One run of an agent (the runId its calls carry): a conversation or job, as a whole. */
  run: string;
  detector: string;
  q: string;
  from: string | null;
  to: string | null;
  /**
   * Whether dashboard sign-ins are listed (`?signins=include`). Left out by default: every visit
   * makes one and they filled the first screen; the page counts what it leaves out.
   */
  signIns: boolean;
}

const listOf = (p: URLSearchParams, name: string) =>
  (p.get(name) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Reads the filter; `range` becomes a `from` relative to `now` (custom `from`/`to` win). */
export function readActivityFilter(p: URLSearchParams, now = Date.now()): ActivityUrlFilter {
  const range = p.get('range');
  const preset =
    range && Object.hasOwn(RANGE_PRESETS, range) ? RANGE_PRESETS[range as RangePreset] : null;
  const iso = (v: string | null) =>
    v && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : null;
  return {
    agents: listOf(p, 'agent'),
    statuses: listOf(p, 'status') as Status[],
    sources: listOf(p, 'source') as Source[],
    action: p.get('action') ?? '',
    rule: p.get('rule') ?? '',
    run: p.get('run') ?? '',
    detector: p.get('detector') ?? '',
    q: p.get('q') ?? '',
    from: iso(p.get('from')) ?? (preset ? new Date(now - preset.ms).toISOString() : null),
    to: iso(p.get('to')),
    signIns: p.get('signins') === 'include',
  };
}

export function isFiltered(f: ActivityUrlFilter): boolean {
  return Boolean(
    f.agents.length ||
    f.statuses.length ||
    f.sources.length ||
    f.action ||
    f.rule ||
    f.run ||
    f.detector ||
    f.q ||
    f.from ||
    f.to,
  );
}

/**
 * The `audit.list` input for the filter; `signIns` overrides the filter's choice (`only` counts
 * the sign-ins it leaves out).
 */
export function listInput(
  f: ActivityUrlFilter,
  limit = 50,
  signIns: Input['signIns'] = f.signIns ? 'include' : 'exclude',
): Input {
  return {
    limit,
    signIns,
    ...(f.agents.length && { agents: f.agents }),
    ...(f.statuses.length && { status: f.statuses }),
    ...(f.sources.length && { source: f.sources }),
    ...(f.action && { action: f.action }),
    ...(f.rule && { rule: f.rule }),
    ...(f.run && { run: f.run }),
    ...(f.detector && { detector: f.detector }),
    ...(f.q.trim() && { search: f.q.trim() }),
    ...(f.from && { from: f.from }),
    ...(f.to && { to: f.to }),
  };
}

const CATEGORY: Record<string, readonly string[]> = {
  pii: ['ssn', 'dob', 'email', 'phone'],
  financial: ['card', 'iban', 'routing'],
};
/** Secret detectors: anything not personal or financial, except custom ones (named by policy). */
const isSecret = (d: string) => /_(key|token|secret)$/.test(d) || d === 'jwt';

/** The same filter the server applies, for entries that arrive live. */
export function matchesFilter(e: AuditEntry, f: ActivityUrlFilter): boolean {
  const d = f.detector;
  if (
    d &&
    !e.findings?.some(
      (x) =>
        x.detector === d ||
        CATEGORY[d]?.includes(x.detector) ||
        (d === 'secret' && isSecret(x.detector)),
    )
  )
    return false;
  if (f.agents.length && !f.agents.includes(e.agent)) return false;
  if (f.statuses.length && !f.statuses.includes(e.status)) return false;
  if (f.sources.length && !f.sources.includes(e.source)) return false;
  if (f.action && e.action !== f.action) return false;
  if (f.rule && e.rule?.id !== f.rule) return false;
  if (f.run && e.runId !== f.run) return false;
  if (f.from && e.timestamp < f.from) return false;
  if (f.to && e.timestamp > f.to) return false;
  if (!f.signIns && isSignIn(e)) return false;
  return matchesSearch(e, f.q);
}

/** The export URL of the filter: the page's own parameters, which the server reads the same way. */
export function exportHref(params: URLSearchParams, format: 'csv' | 'json'): string {
  const p = new URLSearchParams();
  for (const name of [
    'from',
    'to',
    'range',
    'agent',
    'action',
    'status',
    'q',
    'source',
    'rule',
    'run',
    'detector',
    'signins',
  ]) {
    const v = params.get(name);
    if (v) p.set(name, v);
  }
  // what the page shows: sign-ins are left out unless asked for
  if (!p.has('signins')) p.set('signins', 'exclude');
  p.set('format', format);
  return `/export/audit?${p.toString()}`;
}

/**
 * The Activity search to hand to someone else: the same filters with the time pinned, so the
 * link shows the entries seen now, not the "last 24 hours" of whenever it is opened. A preset
 * becomes the `from` the page computed (`from`), and an open end becomes `to` = now.
 */
export function pinnedActivitySearch(
  p: URLSearchParams,
  from: string | null,
  now = Date.now(),
): URLSearchParams {
  const next = new URLSearchParams(p);
  next.delete('range');
  if (from) next.set('from', from);
  if (!next.get('to')) next.set('to', new Date(now).toISOString());
  return next;
}
