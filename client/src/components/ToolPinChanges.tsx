import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Check, ShieldAlert } from 'lucide-react';
import { pinDiff } from '@aegis/shared/pinDiff';
import { useTRPC, type RouterOutputs } from '../lib/trpc';
import { toast } from '../lib/toasts';
import { Ago } from './Ago';

type Pin = RouterOutputs['toolPins']['list']['pins'][number];

/** The fields that changed, old lines then new lines, as a reviewer reads a diff. */
function PinDiffView({ pin }: { pin: Pin }) {
  // A tool added after the upstream was pinned has nothing trusted: all of it reads as added.
  const fields = pin.held ? pinDiff(pin.pinned?.definition ?? {}, pin.held.definition) : [];
  return (
    <div data-testid="pin-diff" className="mt-2 space-y-2">
      {fields.map((f) => (
        <div key={f.field}>
          <p className="text-xs font-semibold muted">{f.field}</p>
          <pre className="overflow-x-auto rounded-lg bg-neutral-50 p-2 text-xs dark:bg-neutral-900">
            {f.removed.map((line, i) => (
              <div key={`r${i}`} className="text-red-800 dark:text-red-300">
                <span aria-label="was">− </span>
                {line}
              </div>
            ))}
            {f.added.map((line, i) => (
              <div key={`a${i}`} className="text-green-800 dark:text-green-300">
                <span aria-label="now">+ </span>
                {line}
              </div>
            ))}
          </pre>
        </div>
      ))}
    </div>
  );
}

/**
 * MCP tools whose description or schema changed since an agent's gateways pinned them (a rug-pull
 * or tool poisoning attempt, or an honest upgrade), and tools an upstream added after they were
 * pinned. Pins are per agent: that agent's gateways hide
 * and refuse the tool until an admin accepts the new version shown here, for that agent.
 */
export function ToolPinChanges({ now, isAdmin }: { now: number; isAdmin: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { data } = useQuery(trpc.toolPins.list.queryOptions({ changedOnly: true }));
  const accept = useMutation(
    trpc.toolPins.accept.mutationOptions({
      onSuccess: (p) =>
        toast({
          kind: 'success',
          title: `Accepted the new ${p.upstream}.${p.tool}${p.agent ? ` for ${p.agent}` : ''}: its gateways offer it again`,
        }),
      onSettled: () => void qc.invalidateQueries({ queryKey: trpc.toolPins.list.pathKey() }),
    }),
  );
  const pins = (data?.pins ?? []).filter((p) => p.held);
  if (pins.length === 0) return null;
  return (
    <section className="card mb-6" aria-labelledby="pins-title">
      <h2 id="pins-title" className="mb-1 flex items-center gap-2 font-bold">
        <ShieldAlert className="size-4" aria-hidden /> Changed MCP tools
      </h2>
      <p className="mb-3 text-xs muted">
        These tools changed since an agent&apos;s MCP gateways pinned them, or their server added
        them afterwards. That agent&apos;s gateways hide and refuse them until an admin accepts the
        new version.
      </p>
      <ul className="space-y-3" aria-label="Changed MCP tools">
        {pins.map((p) => (
          <li
            key={`${p.agent ?? ''}/${p.upstream}.${p.tool}`}
            data-testid="pin-change"
            className="rounded-xl border border-neutral-200 p-3 dark:border-neutral-800"
          >
            <p className="text-sm">
              <span className="font-mono font-bold wrap-anywhere">
                {p.upstream}.{p.tool}
              </span>{' '}
              <span data-testid="pin-agent">
                {p.agent ? (
                  <>
                    for agent <span className="font-mono">{p.agent}</span>
                  </>
                ) : (
                  'pinned before pins were per agent'
                )}
              </span>{' '}
              <span className="muted">
                {p.pinned ? (
                  <>
                    · pinned <Ago iso={p.pinned.at} now={now} /> · changed{' '}
                    <Ago iso={p.held!.at} now={now} />
                  </>
                ) : (
                  <span data-testid="pin-new">
                    · new tool, added <Ago iso={p.held!.at} now={now} />
                  </span>
                )}
                {p.held!.by ? ` (seen by ${p.held!.by})` : ''}
              </span>
            </p>
            <PinDiffView pin={p} />
            {isAdmin ? (
              <button
                type="button"
                className="btn btn-allow mt-3"
                disabled={accept.isPending}
                onClick={() =>
                  accept.mutate({
                    agent: p.agent,
                    upstream: p.upstream,
                    tool: p.tool,
                    hash: p.held!.hash,
                  })
                }
              >
                <Check className="size-4" aria-hidden />{' '}
                {p.pinned ? 'Accept new version' : 'Accept new tool'}
              </button>
            ) : (
              <p className="mt-2 text-xs muted">An admin can accept it.</p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
