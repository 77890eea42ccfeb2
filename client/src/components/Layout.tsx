import { useEffect, useState } from 'react';
import { NavLink, Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import {
  Bot,
  ChartColumn,
  Inbox,
  KeyRound,
  LayoutDashboard,
  ListChecks,
  LogOut,
  Menu,
  Network,
  Scale,
  ShieldCheck,
  X,
} from 'lucide-react';
import { useTRPC } from '../lib/trpc';
import { isUnauthorized } from '../lib/errors';
import { loginPath } from '../lib/loginPath';
import { ConnectionIndicator } from './ConnectionIndicator';
import { ErrorBanner } from './ErrorBanner';
import { LiveSync } from './LiveSync';
import { SignOutEverywhere } from './SignOutEverywhere';
import { ThemeToggle } from './ThemeToggle';
import { Toaster } from './Toaster';
import { useNavigationKeys } from '../hooks/useNavigationKeys';
import { useSignOut } from '../hooks/useSignOut';
import { rangeSearch } from '../hooks/useRange';

const NAV = [
  { to: '/', label: 'Overview', icon: LayoutDashboard, end: true, adminOnly: false },
  { to: '/agents', label: 'Agents', icon: Bot, end: false, adminOnly: false },
  { to: '/activity', label: 'Activity', icon: ListChecks, end: false, adminOnly: false },
  { to: '/approvals', label: 'Approvals', icon: Inbox, end: false, adminOnly: false },
  { to: '/analytics', label: 'Analytics', icon: ChartColumn, end: false, adminOnly: false },
  { to: '/graph', label: 'Graph', icon: Network, end: false, adminOnly: false },
  { to: '/rules', label: 'Global rules', icon: Scale, end: false, adminOnly: false },
  { to: '/governance', label: 'Governance', icon: ShieldCheck, end: false, adminOnly: false },
  // Only admins may list or change keys (the server refuses the others).
  { to: '/keys', label: 'API keys', icon: KeyRound, end: false, adminOnly: true },
] as const;

function NavItems({
  pending,
  isAdmin,
  onNavigate,
}: {
  pending: number;
  isAdmin: boolean;
  onNavigate?: () => void;
}) {
  // The time range is one for the whole dashboard: every page link carries it.
  const search = rangeSearch(useLocation().search);
  return (
    <>
      {NAV.filter((item) => isAdmin || !item.adminOnly).map(({ to, label, icon: Icon, end }) => (
        <NavLink
          key={to}
          to={{ pathname: to, search }}
          end={end}
          onClick={onNavigate}
          className={({ isActive }) =>
            `flex items-center gap-3 rounded-xl px-3 py-2 text-sm font-semibold transition-colors ${
              isActive
                ? 'bg-neutral-900 text-white dark:bg-white dark:text-neutral-900'
                : 'text-neutral-700 hover:bg-neutral-100 dark:text-neutral-300 dark:hover:bg-neutral-800'
            }`
          }
        >
          <Icon className="size-4" aria-hidden />
          <span className="flex-1">{label}</span>
          {to === '/approvals' && pending > 0 && (
            <span
              className="rounded-full bg-review-soft px-2 text-xs font-bold text-review"
              aria-label={`${pending} pending`}
            >
              {pending}
            </span>
          )}
        </NavLink>
      ))}
    </>
  );
}

/**
 * The signed-in shell: navigation (a sidebar on desktop, a menu on phones), the live streams,
 * toasts and the unreachable-server banner. Signed-out visitors are sent to /login.
 */
export function Layout() {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const whoami = useQuery({ ...trpc.health.whoami.queryOptions(), staleTime: Infinity });
  const pending = useQuery({ ...trpc.approvals.pending.queryOptions(), enabled: whoami.isSuccess });
  const logout = useSignOut({ always: true });

  useEffect(() => setMenuOpen(false), [location.pathname]);
  useNavigationKeys();

  if (whoami.error && isUnauthorized(whoami.error))
    return <Navigate to={loginPath('signin', location)} replace />;
  if (!whoami.data) {
    return (
      <div className="grid min-h-screen place-items-center p-6 text-center">
        <ErrorBanner />
        <p className="muted" role="status">
          {whoami.error ? `Can’t load the dashboard: ${whoami.error.message}` : 'Loading Aegis…'}
        </p>
      </div>
    );
  }

  const me = whoami.data;
  const pendingCount = pending.data?.length ?? 0;
  return (
    <div className="flex min-h-screen flex-col">
      <LiveSync onUnauthorized={() => void navigate(loginPath('expired', location), { replace: true })} />
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:p-2"
      >
        Skip to content
      </a>
      <ErrorBanner />
      <header className="sticky top-0 z-30 flex items-center gap-3 border-b border-neutral-200 bg-white/90 px-4 py-2.5 backdrop-blur dark:border-neutral-800 dark:bg-neutral-950/90">
        <button
          type="button"
          className="btn btn-ghost size-9 p-0 md:hidden"
          aria-label={menuOpen ? 'Close menu' : 'Open menu'}
          aria-expanded={menuOpen}
          aria-controls="mobile-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          {menuOpen ? (
            <X className="size-4" aria-hidden />
          ) : (
            <Menu className="size-4" aria-hidden />
          )}
        </button>
        <NavLink
          to="/"
          className="flex items-center gap-2 text-lg font-bold tracking-tight"
          aria-label="Aegis home"
        >
          <ShieldCheck className="size-6 text-allow-ink dark:text-allow" aria-hidden />
          Aegis
        </NavLink>
        <div className="ml-auto flex items-center gap-2">
          <ConnectionIndicator />
          <SignOutEverywhere name={me.name} role={me.role} />
          <ThemeToggle />
          <button
            type="button"
            className="btn btn-ghost size-9 p-0"
            aria-label="Sign out"
            title="Sign out"
            onClick={() => logout.mutate()}
          >
            <LogOut className="size-4" aria-hidden />
          </button>
        </div>
      </header>
      {menuOpen && (
        <nav
          id="mobile-nav"
          aria-label="Main"
          className="flex flex-col gap-1 border-b border-neutral-200 p-3 md:hidden dark:border-neutral-800"
        >
          <NavItems
            pending={pendingCount}
            isAdmin={me.role === 'admin'}
            onNavigate={() => setMenuOpen(false)}
          />
        </nav>
      )}
      <div className="flex flex-1">
        <nav
          aria-label="Main"
          className="hidden w-56 shrink-0 flex-col gap-1 border-r border-neutral-200 p-3 md:flex dark:border-neutral-800"
        >
          <NavItems pending={pendingCount} isAdmin={me.role === 'admin'} />
        </nav>
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 p-4 focus:outline-none sm:p-6">
          <Outlet />
        </main>
      </div>
      <Toaster />
    </div>
  );
}
