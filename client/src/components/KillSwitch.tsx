import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Power } from 'lucide-react';
import { useTRPC } from '../lib/trpc';
import { toast } from '../lib/toasts';
import { fullTime, timeAgo } from '../lib/format';

type Status = 'ACTIVE' | 'PAUSED';

/**
 * The kill-switch: on means the agent is PAUSED and every call it attempts is refused (KILLED).
 * Reviewers and admins may flip it; viewers only see the state. Flipping asks for an optional
 * reason, which goes into the audit log with the person's name. While it is on, it says who
 * turned it on, when and why (the agent's latest PAUSED entry), so whoever comes next knows
 * whether to resume it. Escape closes the reason form and puts focus back on the switch.
 */
export function KillSwitch({ name, status, canFlip }: { name: string; status: Status; canFlip: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const labelId = useId();
  const switchRef = useRef<HTMLButtonElement>(null);
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
  const close = () => {
    setAsking(false);
    setReason('');
    switchRef.current?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.stopPropagation();
    close();
  };
  if (!canFlip) return killed ? <PausedBy name={name} status={status} /> : null;
  const verb = killed ? 'Resume agent' : 'Stop agent';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setStatus.mutate({ name, status: killed ? 'ACTIVE' : 'PAUSED', reason: reason.trim() || undefined });
    close();
  };
  return (
    <div
      data-testid="kill-switch"
      className={`rounded-2xl border p-3 ${killed ? 'border-red-300 bg-block-soft dark:border-red-900 dark:bg-red-950' : 'border-neutral-200 dark:border-neutral-800'}`}
    >
      <div className="flex items-center gap-3">
        <Power className={`size-5 ${killed ? 'text-block-ink dark:text-red-300' : 'muted'}`} aria-hidden />
        <div className="text-sm">
          <p id={labelId} className="font-bold">
            Kill-switch<span className="sr-only"> of {name}</span>
          </p>
          <p className="muted">{killed ? 'Engaged: all calls refused' : 'Off: policy decides'}</p>
        </div>
        <button
          ref={switchRef}
          type="button"
          role="switch"
          aria-checked={killed}
          aria-labelledby={labelId}
          aria-expanded={asking}
          disabled={setStatus.isPending}
          onClick={() => setAsking((open) => !open)}
          onKeyDown={asking ? onKeyDown : undefined}
          className={`relative ml-auto inline-flex h-7 w-12 shrink-0 cursor-pointer items-center rounded-full transition-colors disabled:opacity-60 ${killed ? 'bg-block-ink' : 'bg-neutral-300 dark:bg-neutral-700'}`}
        >
          <span className={`inline-block size-5 rounded-full bg-white shadow transition-transform ${killed ? 'translate-x-6' : 'translate-x-1'}`} />
        </button>
      </div>
      {killed && !setStatus.isPending && <PausedBy name={name} status={status} />}
      {asking && (
        <form onSubmit={submit} onKeyDown={onKeyDown} aria-label={verb} className="mt-3 flex flex-wrap items-center gap-2">
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
          <button type="button" className="btn btn-ghost" onClick={close}>
            Cancel
          </button>
        </form>
      )}
    </div>
  );
}

/**
 * "Stopped by ops 4m ago: looping on deletes" — from the agent's latest PAUSED entry (the reason
 * is stored masked). Refetched whenever the status changes, so a kill made elsewhere shows its own.
 */
export function PausedBy({ name, status }: { name: string; status: Status }) {
  const trpc = useTRPC();
  const last = useQuery({
    ...trpc.audit.list.queryOptions({ agent: name, status: ['PAUSED'], limit: 1 }),
    enabled: status === 'PAUSED',
  });
  const { refetch } = last;
  useEffect(() => {
    if (status === 'PAUSED') void refetch();
  }, [status, refetch]);
  const entry = last.data?.entries[0];
  if (status !== 'PAUSED' || !entry) return null;
  const why = reasonOf(entry.argsPreview);
  return (
    <p className="mt-2 max-w-80 text-xs wrap-anywhere" data-testid="paused-by">
      Stopped by <span className="font-semibold">{entry.actor ?? 'the agent’s own key'}</span>{' '}
      <time dateTime={entry.timestamp} title={fullTime(entry.timestamp)}>
        {timeAgo(entry.timestamp)}
      </time>
      {why ? `: ${why}` : why === null ? ' (no reason given)' : ''}
    </p>
  );
}

/**
 * The kill entry keeps the person's reason as its (masked) arguments: `{"reason":"…"}`. Null when
 * none was given; undefined when the preview can't be read (shortened), so nothing is claimed.
 */
function reasonOf(argsPreview: string | null | undefined): string | null | undefined {
  if (!argsPreview) return null;
  try {
    const parsed = JSON.parse(argsPreview) as unknown;
    const r = parsed && typeof parsed === 'object' ? (parsed as { reason?: unknown }).reason : undefined;
    return typeof r === 'string' && r ? r : null;
  } catch {
    return undefined;
  }
}
