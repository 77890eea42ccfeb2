import { useLocation, useNavigate, useSearchParams } from 'react-router';
import type { RouterOutputs } from '../lib/trpc';

export type Severity = RouterOutputs['governance']['violations']['violations'][number]['severity'];

/** Most severe first: the order of the Governance page's counts and filter. */
export const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low'];

type Filter = 'severity' | 'agent' | 'status';

/**
 * The list's filters live in the URL (`?severity=high&agent=…&status=RESOLVED`), so the view a
 * reviewer narrowed to can be linked and survives a reload; unknown values read as no filter.
 */
export function useViolationFilters() {
  const [params] = useSearchParams();
  const raw = params.get('severity');
  const severity: Severity | '' = SEVERITIES.find((s) => s === raw) ?? '';
  const filters = {
    severity,
    agent: params.get('agent') ?? '',
    status: params.get('status') === 'RESOLVED' ? ('RESOLVED' as const) : ('OPEN' as const),
  };
  const { hash } = useLocation();
  const navigate = useNavigate();
  // navigate, not setSearchParams: that drops the `#agent-…` the view is scrolled to
  const set = (name: Filter, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    void navigate({ search: next.toString(), hash }, { replace: true });
  };
  return [filters, set] as const;
}
