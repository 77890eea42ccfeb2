import type { ReactNode } from 'react';

/** One headline number on the overview. */
export function StatCard({ label, value, hint, tone = 'plain', className = '' }: { label: string; value: ReactNode; hint?: string; tone?: 'plain' | 'good' | 'bad' | 'warn'; className?: string }) {
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
    </div>
  );
}
