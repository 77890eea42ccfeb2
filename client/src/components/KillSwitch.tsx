import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Power } from 'lucide-react';
import { useTRPC } from '../lib/trpc';
import { toast } from '../lib/toasts';

type Status = 'ACTIVE' | 'PAUSED';

/**
 * The kill-switch: on means the agent is PAUSED and every call it attempts is refused (KILLED).
 * Reviewers and admins may flip it; viewers only see the state.
 */
export function KillSwitch({ name, status, canFlip }: { name: string; status: Status; canFlip: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const setStatus = useMutation(
    trpc.agents.setStatus.mutationOptions({
      onSuccess: (agent) => {
        // Show the new state at once; the agent.status event will say the same for everyone else.
        qc.setQueryData(trpc.agents.byName.queryKey({ name: agent.name }), (d) =>
          d ? { ...d, agent: { ...d.agent, status: agent.status } } : d,
        );
        toast({
          kind: agent.status === 'PAUSED' ? 'error' : 'success',
          title: agent.status === 'PAUSED' ? `${agent.name} is stopped` : `${agent.name} is running again`,
          body: agent.status === 'PAUSED' ? 'Every call it attempts is now refused.' : undefined,
        });
      },
    }),
  );
  const killed = (setStatus.isPending ? setStatus.variables.status : status) === 'PAUSED';
  if (!canFlip) return null;
  return (
    <div className={`flex items-center gap-3 rounded-2xl border p-3 ${killed ? 'border-red-300 bg-block-soft dark:border-red-900 dark:bg-red-950' : 'border-neutral-200 dark:border-neutral-800'}`}>
      <Power className={`size-5 ${killed ? 'text-block-ink dark:text-red-300' : 'muted'}`} aria-hidden />
      <div className="text-sm">
        <p id="kill-label" className="font-bold">Kill-switch</p>
        <p className="muted">{killed ? 'Engaged: all calls refused' : 'Off: policy decides'}</p>
      </div>
      <button
        type="button"
        role="switch"
        aria-checked={killed}
        aria-labelledby="kill-label"
        disabled={setStatus.isPending}
        onClick={() => setStatus.mutate({ name, status: killed ? 'ACTIVE' : 'PAUSED' })}
        className={`relative ml-auto inline-flex h-7 w-12 shrink-0 cursor-pointer items-center rounded-full transition-colors disabled:opacity-60 ${killed ? 'bg-block-ink' : 'bg-neutral-300 dark:bg-neutral-700'}`}
      >
        <span className={`inline-block size-5 rounded-full bg-white shadow transition-transform ${killed ? 'translate-x-6' : 'translate-x-1'}`} />
      </button>
    </div>
  );
}
