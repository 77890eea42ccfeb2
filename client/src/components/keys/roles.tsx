import type { RouterOutputs } from '../../lib/trpc';

export type ApiKey = RouterOutputs['keys']['list'][number];
export type Role = ApiKey['role'];

/** The roles from least to most powerful, with what each may do (server/src/auth/SECURITY.md). */
export const ROLES: ReadonlyArray<{ role: Role; label: string; can: string }> = [
  {
    role: 'agent',
    label: 'Agent',
    can: 'SDK calls (decide, report) for the agents it names only; cannot open the dashboard.',
  },
  { role: 'viewer', label: 'Viewer', can: 'Reads dashboards, the audit log and stats.' },
  {
    role: 'reviewer',
    label: 'Reviewer',
    can: 'A viewer who also decides approvals and flips kill-switches.',
  },
  {
    role: 'admin',
    label: 'Admin',
    can: 'Everything: policies, API keys, revealing masked values, SDK calls for any agent.',
  },
];

const ROLE_STYLE: Record<Role, string> = {
  admin: 'bg-killed-soft text-killed dark:bg-fuchsia-950 dark:text-fuchsia-300',
  reviewer: 'bg-review-soft text-review dark:bg-amber-950 dark:text-amber-300',
  viewer: 'bg-neutral-100 text-neutral-800 dark:bg-neutral-800 dark:text-neutral-200',
  agent: 'bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-300',
};

export function RoleBadge({ role }: { role: Role }) {
  return (
    <span className={`rounded-full px-2 py-0.5 text-xs font-bold ${ROLE_STYLE[role]}`}>{role}</span>
  );
}

/** What a key may reach: only agent keys are scoped; people's keys see every agent. */
export function scopeText(key: Pick<ApiKey, 'role' | 'agents'>): string {
  return key.agents ? key.agents.join(', ') : 'All agents';
}
