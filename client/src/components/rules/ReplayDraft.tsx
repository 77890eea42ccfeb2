import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router';
import { History } from 'lucide-react';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { errorMessage } from '../../lib/errors';

type Replayed = RouterOutputs['policies']['replay'];

const WINDOWS = [
  { hours: 24, label: 'last 24 hours' },
  { hours: 24 * 7, label: 'last 7 days' },
  { hours: 24 * 30, label: 'last 30 days' },
] as const;

/**
 * What a valid draft would have decided differently over the stored decisions of a recent window
 * (`policies.replay`: the same engine, nothing recorded) — seen before saving, not after. An
 * answer is shown only beside the draft it was replayed for.
 */
export function ReplayDraft({ draft }: { draft: string }) {
  const trpc = useTRPC();
  const replay = useMutation(trpc.policies.replay.mutationOptions());
  const [hours, setHours] = useState<number>(24 * 7);
  const [result, setResult] = useState<{ draft: string; hours: number; replayed: Replayed } | null>(
    null,
  );
  const shown = result?.draft === draft ? result : null;
  const label = WINDOWS.find((w) => w.hours === (shown?.hours ?? hours))?.label ?? '';

  const run = () =>
    replay.mutate(
      { yaml: draft, sinceHours: hours },
      { onSuccess: (replayed) => setResult({ draft, hours, replayed }) },
    );

  return (
    <section
      className="mt-2 rounded-lg bg-neutral-50 p-2 text-xs dark:bg-neutral-900"
      aria-label="Replay the draft on past calls"
      data-testid="replay-draft"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-semibold">Before saving: what would it have changed?</span>
        <select
          className="input py-0.5 text-xs"
          aria-label="Replay window"
          value={hours}
          onChange={(e) => setHours(Number(e.target.value))}
        >
          {WINDOWS.map((w) => (
            <option key={w.hours} value={w.hours}>
              {w.label}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="btn btn-ghost py-0.5 text-xs"
          onClick={run}
          disabled={replay.isPending}
        >
          <History className="size-3.5" aria-hidden />{' '}
          {replay.isPending ? 'Replaying…' : 'Replay on past calls'}
        </button>
      </div>
      {replay.error && (
        <p className="mt-1 text-block-ink dark:text-red-300" role="alert">
          {errorMessage(replay.error)}
        </p>
      )}
      {shown && <ReplayAnswer replayed={shown.replayed} window={label} />}
    </section>
  );
}

/** `agent:big-loans` → "big-loans", `global:x` → "x (global)", the default → what it means. */
function ruleName(key: string): string {
  const at = key.indexOf(':');
  const scope = at < 0 ? '' : key.slice(0, at);
  const id = at < 0 ? key : key.slice(at + 1);
  if (scope === 'default') return 'no rule matches (the default)';
  return scope === 'global' ? `${id} (global)` : id;
}

function ReplayAnswer({ replayed, window }: { replayed: Replayed; window: string }) {
  if (!replayed.ok)
    return (
      <p className="mt-1 text-block-ink dark:text-red-300">
        The draft has problems to fix first (listed above).
      </p>
    );
  const decisions = `${replayed.evaluated.toLocaleString('en-US')} decision${replayed.evaluated === 1 ? '' : 's'}`;
  if (replayed.changed === 0)
    return (
      <p className="mt-1" role="status" data-testid="replay-summary">
        Replayed {decisions} of the {window}: none would have been decided differently.
      </p>
    );
  return (
    <div className="mt-1" role="status">
      <p data-testid="replay-summary">
        Replayed {decisions} of the {window}:{' '}
        <strong>
          {replayed.changed.toLocaleString('en-US')} would have been decided differently
        </strong>
        .
      </p>
      <ul className="mt-1 space-y-1">
        {replayed.rules.flatMap((r) =>
          r.changes.map((c) => (
            <li key={`${r.rule}:${c.from}:${c.to}`} data-testid="replay-change">
              <span className="font-mono">{ruleName(r.rule)}</span>: {c.from} →{' '}
              <strong>{c.to}</strong> × {c.count.toLocaleString('en-US')}
              {c.examples.length > 0 && ' — e.g. '}
              {c.examples.map((x, i) => (
                <span key={x.auditId}>
                  {i > 0 && ', '}
                  <Link
                    className="underline"
                    to={`/activity/${x.auditId}`}
                    title={`${x.agent} · ${x.action} ${x.argsPreview ?? ''}`}
                  >
                    #{x.auditId} {x.action}
                  </Link>
                </span>
              ))}
            </li>
          )),
        )}
      </ul>
    </div>
  );
}
