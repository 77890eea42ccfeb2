import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Power } from 'lucide-react';
import { useTRPC } from '../lib/trpc';
import { toast } from '../lib/toasts';

type Status = 'ACTIVE' | 'PAUSED';

/**
 * The kill-switch: on means the agent is PAUSED and every call it attempts is refused (KILLED).
 * Reviewers and admins may flip it; viewers only see the state. Flipping asks for an optional
 * reason, which goes into the audit log with the person's name.
 */
export function KillSwitch({ name, status, canFlip }: { name: string; status: Status; canFlip: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
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
  const verb = killed ? 'Resume agent' : 'Stop agent';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setStatus.mutate({ name, status: killed ? 'ACTIVE' : 'PAUSED', reason: reason.trim() || undefined });
    setAsking(false);
    setReason('');
  };
  return (
    <div className={`rounded-2xl border p-3 ${killed ? 'border-red-300 bg-block-soft dark:border-red-900 dark:bg-red-950' : 'border-neutral-200 dark:border-neutral-800'}`}>
      <div className="flex items-center gap-3">
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
          aria-expanded={asking}
          disabled={setStatus.isPending}
          onClick={() => setAsking((open) => !open)}
          className={`relative ml-auto inline-flex h-7 w-12 shrink-0 cursor-pointer items-center rounded-full transition-colors disabled:opacity-60 ${killed ? 'bg-block-ink' : 'bg-neutral-300 dark:bg-neutral-700'}`}
        >
          <span className={`inline-block size-5 rounded-full bg-white shadow transition-transform ${killed ? 'translate-x-6' : 'translate-x-1'}`} />
        </button>
      </div>
      {asking && (
        <form onSubmit={submit} aria-label={verb} className="mt-3 flex flex-wrap items-center gap-2">
          <input
            className="input min-w-0 flex-1 basis-48 text-sm"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder="Reason (optional)"
            aria-label="Reason (optional)"
            maxLength={500}
            autoFocus
          />
          <button type="submit" className={`btn ${killed ? 'btn-allow' : 'btn-block'}`}>
            {verb}
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </form>
      )}
    </div>
  );
}
