import type { ReactNode } from 'react';
import { Inbox } from 'lucide-react';

/** What a new user sees instead of an empty list: what it means and what to do next. */
export function EmptyState({
  title,
  children,
  icon: Icon = Inbox,
  wide = false,
}: {
  title: string;
  children?: ReactNode;
  icon?: typeof Inbox;
  /** Room for steps and code, not just a sentence. */
  wide?: boolean;
}) {
  return (
    <div className="flex flex-col items-center gap-2 rounded-2xl border border-dashed border-neutral-300 px-6 py-10 text-center dark:border-neutral-700">
      <Icon className="size-8 muted" aria-hidden />
      <p className="font-semibold">{title}</p>
      {children && <div className={`${wide ? 'w-full max-w-xl' : 'max-w-md'} text-sm muted`}>{children}</div>}
    </div>
  );
}

/** The command a new user should run, styled as code. */
export function Cmd({ children }: { children: ReactNode }) {
  return <code className="rounded bg-neutral-100 px-1.5 py-0.5 font-mono text-xs text-neutral-900 dark:bg-neutral-800 dark:text-neutral-100">{children}</code>;
}
