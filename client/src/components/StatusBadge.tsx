import type { RouterOutputs } from '../lib/trpc';

type AuditStatus = RouterOutputs['audit']['list']['entries'][number]['status'];
type AgentStatus = RouterOutputs['agents']['list'][number]['status'];

const GREEN = 'bg-allow-soft text-allow-ink dark:bg-green-950 dark:text-green-300';
const RED = 'bg-block-soft text-block-ink dark:bg-red-950 dark:text-red-300';
const AMBER = 'bg-review-soft text-review dark:bg-amber-950 dark:text-amber-300';
const PURPLE = 'bg-killed-soft text-killed dark:bg-fuchsia-950 dark:text-fuchsia-300';
const GREY = 'bg-neutral-100 text-neutral-700 dark:bg-neutral-800 dark:text-neutral-300';

const AUDIT_TONE: Record<AuditStatus, string> = {
  ALLOWED: GREEN,
  APPROVED: GREEN,
  BLOCKED: RED,
  DENIED: RED,
  TIMEOUT: RED,
  KILLED: PURPLE,
  PENDING: AMBER,
  ERROR: GREY,
  VIOLATION: RED,
  // people's actions: the kill-switch in its colour, the rest quiet
  PAUSED: PURPLE,
  RESUMED: GREY,
  POLICY: GREY,
  ACCESS: GREY,
  RESET: GREY,
  REVEALED: GREY,
};

const pill = 'inline-flex shrink-0 items-center rounded-full px-2 py-0.5 text-xs font-bold tracking-wide';

/** An audit status in its colour: green allowed, red blocked, purple killed, amber waiting. */
export function StatusBadge({ status }: { status: AuditStatus }) {
  return <span className={`${pill} min-w-[5.5rem] justify-center ${AUDIT_TONE[status]}`}>{status}</span>;
}

export function AgentStatusBadge({ status }: { status: AgentStatus }) {
  return status === 'ACTIVE' ? (
    <span className={`${pill} ${GREEN}`}>
      <span className="mr-1.5 size-1.5 rounded-full bg-allow" aria-hidden />
      ACTIVE
    </span>
  ) : (
    <span className={`${pill} ${RED}`} title="The kill-switch is on: every call is refused">
      <span className="mr-1.5 size-1.5 rounded-full bg-block-ink" aria-hidden />
      PAUSED
    </span>
  );
}

export const RULE_TONE = { ALLOW: GREEN, BLOCK: RED, REVIEW: AMBER } as const;
