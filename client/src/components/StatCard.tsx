import type { ReactNode } from 'react';
import { Link } from 'react-router';

/** One headline number on the overview. */
export function StatCard({ label, value, hint, tone = 'plain', className = '', link }: { label: string; value: ReactNode; hint?: string; tone?: 'plain' | 'good' | 'bad' | 'warn'; className?: string; link?: { to: string; label: string } | undefined }) {
  const color = {
    plain: '',
    good: 'text-allow-ink dark:text-allow',
    bad: 'text-block-ink dark:text-red-400',
    warn: 'text-review dark:text-amber-400',
  }[tone];
  return (
    <div className={`card ${className}`} data-testid="stat-card">
      <p className="text-xs font-semibold tracking-wide uppercase muted">{label}</p>
      <p className={`mt-1 text-3xl font-bold tabular-nums ${color}`}>{value}</p>
      {hint && <p className="mt-1 text-xs muted">{hint}</p>}
      {/* the entries behind the number, so it can be checked against the log */}
      {link && (
        <Link to={link.to} className="mt-1 inline-block text-xs font-semibold underline underline-offset-2">
          {link.label}
        </Link>
      )}
    </div>
  );
}
