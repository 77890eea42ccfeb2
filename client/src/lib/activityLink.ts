/** What a chart element or a row narrows Activity to (the Activity page reads these URL params). */
export interface ActivityFilter {
  from?: string;
  to?: string;
  agent?: string;
  action?: string;
  /** Audit statuses, e.g. ALLOWED, BLOCKED, PENDING. */
  status?: string[];
}

/** `/activity?from=…&to=…&agent=…&action=…&status=A,B` */
export function activityLink(f: ActivityFilter): string {
  const params = new URLSearchParams();
  if (f.from) params.set('from', f.from);
  if (f.to) params.set('to', f.to);
  if (f.agent) params.set('agent', f.agent);
  if (f.action) params.set('action', f.action);
  if (f.status?.length) params.set('status', f.status.join(','));
  const query = params.toString();
  return query ? `/activity?${query}` : '/activity';
}
