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
  if (!next || !next.startsWith('/')) return '/';
  // Parsed as the browser will: it drops tabs and newlines and reads `\` as `/`, so `/\t/evil`
  // or `/\\evil` would leave the origin; only what stays on it is followed.
  const base = 'https://dashboard.invalid';
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return '/';
  }
  if (url.origin !== base || url.pathname === '/login' || url.pathname.startsWith('/login/'))
    return '/';
  return url.pathname + url.search + url.hash;
}
