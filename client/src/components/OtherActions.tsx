import { MAX_ACTIONS_PER_AGENT, OTHER_ACTIONS } from '@aegis/shared';

/**
 * Whether a tool list's row is the rollups' bucket of an agent's calls under names past its cap
 * (not a tool: no rule decides "it", and Activity has no entry by that name).
 */
export const isOtherActions = (action: string): boolean => action === OTHER_ACTIONS;

/** What the bucket counts, for a title. */
export const OTHER_ACTIONS_NOTE = `Calls under names past the first ${MAX_ACTIONS_PER_AGENT} this agent used, counted together. Activity lists each call under its own name.`;

/**
 * The bucket's name in a tool list, set apart from the tools': italic and muted, with what it
 * counts said on the row (a tooltip alone is out of a keyboard's and a phone's reach).
 */
export function OtherActionsName({ className = '' }: { className?: string }) {
  return (
    <span
      className={`block min-w-0 ${className}`}
      title={OTHER_ACTIONS_NOTE}
      data-testid="other-actions"
    >
      <span className="font-semibold italic muted">Other actions</span>
      <span className="block text-xs font-normal muted">
        names past the first {MAX_ACTIONS_PER_AGENT}, counted together
      </span>
    </span>
  );
}
