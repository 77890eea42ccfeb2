/** What a chart element or a row narrows Activity to (the Activity page reads these URL params). */
export interface ActivityFilter {
  from?: string;
  to?: string;
  agent?: string;
  action?: string;
  /** Audit statuses, e.g. ALLOWED, BLOCKED, PENDING. */
  status?: string[];
  /** A DLP detector or category the call's arguments or result held, e.g. `card`. */
  detector?: string;
  /** One run of an agent: the runId its calls carry. */
  run?: string;
}

/** `/activity?from=…&to=…&agent=…&action=…&status=A,B&detector=…` */
export function activityLink(f: ActivityFilter): string {
  const params = new URLSearchParams();
  if (f.from) params.set('from', f.from);
  if (f.to) params.set('to', f.to);
  if (f.agent) params.set('agent', f.agent);
  if (f.action) params.set('action', f.action);
  if (f.status?.length) params.set('status', f.status.join(','));
  if (f.detector) params.set('detector', f.detector);
  if (f.run) params.set('run', f.run);
  const query = params.toString();
  return query ? `/activity?${query}` : '/activity';
}
