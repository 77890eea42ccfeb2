/**
 * Where sign-in sends someone whose session ended, or who opened a link before signing in: the
 * page they were on (filters and all, e.g. a colleague's copied Activity link) goes along as
 * `next`, and the login page returns there afterwards.
 */
export function loginPath(
  reason: 'signin' | 'expired',
  at: { pathname: string; search: string },
): string {
  const here = at.pathname + at.search;
  const next = here === '/' || at.pathname === '/login' ? '' : `&next=${encodeURIComponent(here)}`;
  return `/login?reason=${reason}${next}`;
}

/**
 * Where to go once signed in: `next` if it is a page of this dashboard (a path on this origin,
 * never `//host` or a URL, so a crafted link can't send the person elsewhere), else the Overview.
 */
export function afterLogin(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next === '/login' || next.startsWith('/login?') || next.startsWith('/login/')) return '/';
  return next;
}
