import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Plus, Split, X } from 'lucide-react';
import { useTRPC, type RouterOutputs } from '../lib/trpc';
import { RULE_TONE } from './StatusBadge';

type Policy = RouterOutputs['agents']['byName']['policyView'];
type Rule = 'ALLOW' | 'BLOCK' | 'REVIEW';

const COLUMNS = [
  { rule: 'ALLOW', key: 'allowed', title: 'Allowed', hint: 'Run without asking' },
  { rule: 'BLOCK', key: 'blocked', title: 'Blocked', hint: 'Never run, no one can approve' },
  { rule: 'REVIEW', key: 'review', title: 'Review', hint: 'A person decides each call' },
] as const;

/**
 * The agent's policy as lists: each action under what it does when no condition matches, with a
 * mark where a conditional rule (the agent's or a global one) may decide a call otherwise —
 * rather than the seed's shape, which files such actions under review. Anything not listed goes
 * to the policy's default. Admins can add, move (add under another rule) and remove rules.
 */
export function PolicyEditor({ policy, editable }: { policy: Policy; editable: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [action, setAction] = useState('');
  const [rule, setRule] = useState<Rule>('BLOCK');
  /** `${column}:${action}` of the rule whose removal awaits a second click. */
  const [confirming, setConfirming] = useState<string | null>(null);
  // Keep (or Escape): close the question and put focus back on the × that asked it.
  const keep = (removeLabel: string) => {
    setConfirming(null);
    requestAnimationFrame(() => document.querySelector<HTMLButtonElement>(`button[aria-label="${CSS.escape(removeLabel)}"]`)?.focus());
  };
  const onSuccess = () => qc.invalidateQueries({ queryKey: trpc.agents.byName.queryKey({ name: policy.agent }) });
  const set = useMutation(trpc.policies.set.mutationOptions({ onSuccess }));
  const remove = useMutation(trpc.policies.remove.mutationOptions({ onSuccess }));
  const conditions = new Map(policy.conditional.map((c) => [c.action, c.rules]));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const name = action.trim();
    if (!name) return;
    set.mutate({ agent: policy.agent, action: name, rule }, { onSuccess: () => setAction('') });
  };

  return (
    <div>
      <div className="grid grid-cols-1 gap-3 md:grid-cols-3">
        {COLUMNS.map((col) => (
          <div key={col.rule} className="rounded-xl border border-neutral-200 p-3 dark:border-neutral-800" data-testid={`policy-${col.key}`}>
            <h3 className="text-sm font-bold">
              {col.title} <span className="font-normal muted">({policy[col.key].length})</span>
            </h3>
            <p className="mb-2 text-xs muted">{col.hint}</p>
            {policy[col.key].length === 0 ? (
              <p className="text-xs muted">{col.rule === 'REVIEW' ? 'Everything not listed elsewhere.' : 'None.'}</p>
            ) : (
              <ul className="flex flex-wrap gap-1.5" aria-label={`${col.title} actions`}>
                {policy[col.key].map((a) => (
                  <li key={a} className={`inline-flex items-center gap-1 rounded-full py-0.5 pr-1 pl-2.5 font-mono text-xs font-semibold ${RULE_TONE[col.rule]}`}>
                    <span className="wrap-anywhere">{a}</span>
                    {conditions.has(a) && <ConditionMark action={a} rules={conditions.get(a) ?? []} />}
                    {editable && confirming === `${col.key}:${a}` ? (
                      <span
                        className="inline-flex items-center gap-1 font-sans"
                        role="group"
                        aria-label={`Remove the rule for ${a}?`}
                        onKeyDown={(e) => {
                          if (e.key !== 'Escape') return;
                          e.stopPropagation();
                          keep(`Remove ${col.title.toLowerCase()} rule for ${a}`);
                        }}
                      >
                        <span className="font-normal">remove?</span>
                        <button
                          type="button"
                          className="rounded-full bg-black/10 px-2 font-bold hover:bg-black/20 dark:bg-white/10"
                          aria-label={`Confirm removing the ${col.title.toLowerCase()} rule for ${a}`}
                          disabled={remove.isPending}
                          // the × that asked is gone: focus the answer, or the keyboard user is left on the page's body
                          autoFocus
                          onClick={() => remove.mutate({ agent: policy.agent, action: a }, { onSettled: () => setConfirming(null) })}
                        >
                          Remove
                        </button>
                        <button type="button" className="rounded-full px-2 hover:bg-black/10" onClick={() => keep(`Remove ${col.title.toLowerCase()} rule for ${a}`)}>
                          Keep
                        </button>
                      </span>
                    ) : editable ? (
                      <button
                        type="button"
                        aria-label={`Remove ${col.title.toLowerCase()} rule for ${a}`}
                        title="Remove rule (the action goes back to review)"
                        className="rounded-full p-0.5 hover:bg-black/10 dark:hover:bg-white/10"
                        disabled={remove.isPending}
                        onClick={() => setConfirming(`${col.key}:${a}`)}
                      >
                        <X className="size-3" aria-hidden />
                      </button>
                    ) : (
                      <span className="pr-1.5" />
                    )}
                  </li>
                ))}
              </ul>
            )}
          </div>
        ))}
      </div>
      {editable && (
        <form onSubmit={submit} className="mt-3 flex flex-wrap items-center gap-2" aria-label="Add a policy rule">
          <input
            className="input min-w-0 flex-1 basis-40 font-mono"
            value={action}
            onChange={(e) => setAction(e.target.value)}
            placeholder="action_name"
            aria-label="Action name"
            pattern={String.raw`[A-Za-z0-9_.:\/\-]+`}
            maxLength={128}
            required
          />
          <select className="input" value={rule} onChange={(e) => setRule(e.target.value as Rule)} aria-label="Rule">
            <option value="ALLOW">Allow</option>
            <option value="BLOCK">Block</option>
            <option value="REVIEW">Review</option>
          </select>
          <button type="submit" className="btn btn-primary" disabled={set.isPending}>
            <Plus className="size-4" aria-hidden />
            Set rule
          </button>
        </form>
      )}
      {policy.conditional.length > 0 && (
        <p className="mt-2 flex items-center gap-1 text-xs muted" data-testid="policy-conditional-note">
          <Split className="size-3 shrink-0" aria-hidden />
          Marked actions: a conditional rule may decide a call otherwise (see the rules below and the global rules).
        </p>
      )}
      <p className="mt-2 text-xs muted">Policy version {policy.version}</p>
    </div>
  );
}

/** The mark beside an action a conditional rule may decide otherwise, naming the rules. */
export function ConditionMark({ action, rules }: { action: string; rules: readonly string[] }) {
  const label = `${action}: ${rules.length === 1 ? 'conditional rule' : 'conditional rules'} ${rules.join(', ')} may decide a call otherwise`;
  return (
    <span className="inline-flex items-center" title={label} data-testid="condition-mark">
      <Split className="size-3" aria-hidden />
      <span className="sr-only">{label}</span>
    </span>
  );
}
