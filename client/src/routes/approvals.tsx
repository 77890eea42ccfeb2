import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CircleCheck } from 'lucide-react';
import { useTRPC } from '../lib/trpc';
import { toast } from '../lib/toasts';
import { useNow } from '../hooks/useNow';
import { usePrincipal } from '../hooks/usePrincipal';
import { useUndoableDecisions } from '../hooks/useUndoableDecisions';
import { ApprovalCard, type Approval, type Decision } from '../components/ApprovalCard';
import { EmptyState } from '../components/EmptyState';
import { RecentDecisions } from '../components/RecentDecisions';
import { ProposalsPanel } from '../components/ProposalsPanel';
import { ToolPinChanges } from '../components/ToolPinChanges';
import { ChannelsPanel } from '../components/ChannelsPanel';
import { PageHeader, QueryState } from '../components/QueryState';

const VERB = { APPROVED: 'Approved', DENIED: 'Denied' } as const;

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** j/k move through the queue; a/d approve or deny; Shift+A / Shift+D make it a standing rule. */
function useShortcuts(
  queue: Approval[],
  selected: number,
  setSelected: (i: number) => void,
  decide: (a: Approval, d: Decision) => void,
  ask: (a: Approval, d: Decision) => void,
  undoLast: () => void,
  canDecide: boolean,
  canMakeRules: boolean,
  editingId: number | null,
) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      // A card whose arguments are being edited takes no one-key decision: `a` would approve
      // the call as the agent asked it, not as edited.
      const current = queue[selected]?.id === editingId ? undefined : queue[selected];
      const key = e.key;
      if (key === 'j' || key === 'ArrowDown') setSelected(Math.min(queue.length - 1, selected + 1));
      else if (key === 'k' || key === 'ArrowUp') setSelected(Math.max(0, selected - 1));
      else if (current && canDecide && key === 'a') decide(current, { decision: 'APPROVED', remember: false });
      else if (current && canDecide && key === 'd') decide(current, { decision: 'DENIED', remember: false });
      else if (current && canMakeRules && key === 'A') ask(current, { decision: 'APPROVED', remember: true });
      else if (current && canMakeRules && key === 'D') ask(current, { decision: 'DENIED', remember: true });
      else if (key === 'u') undoLast();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [queue, selected, setSelected, decide, ask, undoLast, canDecide, canMakeRules, editingId]);
}

export function ApprovalsPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const now = useNow();
  const { canReview: canDecide, isAdmin } = usePrincipal();
  const pending = useQuery(trpc.approvals.pending.queryOptions());
  // Kept current by the live stream: a card says so when its agent's kill-switch is on.
  const agents = useQuery(trpc.agents.list.queryOptions());
  const paused = new Set(agents.data?.filter((x) => x.status === 'PAUSED').map((x) => x.name));
  const queue = [...(pending.data ?? [])].sort((a, b) => a.id - b.id);
  const [selected, setSelected] = useState(0);
  const cards = useRef(new Map<number, HTMLElement>());
  const pendingKey = trpc.approvals.pending.queryKey();

  const decideMutation = useMutation(
    trpc.approvals.decide.mutationOptions({
      onSuccess: (a, vars) => {
        // A vote toward a quorum: counted, still waiting for others. The card stays, showing the
        // vote (it used to leave, toasted "Approved", as if the call could now run).
        if (a.status === 'PENDING') {
          void qc.invalidateQueries({ queryKey: pendingKey });
          const more = (a.quorum ?? 1) - (a.votes?.length ?? 0);
          toast({ kind: 'info', title: `Your approval of ${a.action} is counted: waiting for ${more} more ${more === 1 ? 'person' : 'people'}` });
          return;
        }
        qc.setQueryData(pendingKey, (list) => list?.filter((x) => x.id !== a.id));
        const rule = vars.remember ? ` · ${a.action} is now ${vars.decision === 'APPROVED' ? 'always allowed' : 'always blocked'} for ${a.agent}` : '';
        toast({ kind: vars.decision === 'APPROVED' ? 'success' : 'info', title: `${VERB[vars.decision]} ${a.action}${rule}` });
      },
      // Someone else may have decided it first (CONFLICT): reload the queue either way.
      onError: () => void qc.invalidateQueries({ queryKey: pendingKey }),
    }),
  );
  const { scheduled, schedule, undo } = useUndoableDecisions<Decision>((id, d) =>
    decideMutation.mutate({ id, decision: d.decision, remember: d.remember, ...(d.comment?.trim() && { comment: d.comment.trim() }) }),
  );
  // Held back 5 s (see useUndoableDecisions); a standing rule is confirmed on the card first.
  const decide = (a: Approval, d: Decision) => schedule(a.id, d);
  const clamped = Math.min(selected, Math.max(0, queue.length - 1));
  const [asking, setAsking] = useState<{ id: number; d: Decision } | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const editingId = queue.some((a) => a.id === editing) ? editing : null;
  const undoLast = () => {
    const last = scheduled.at(-1);
    if (last) undo(last.id);
  };
  useShortcuts(queue, clamped, setSelected, decide, (a, d) => setAsking({ id: a.id, d }), undoLast, canDecide, isAdmin, editingId);

  const selectedId = queue[clamped]?.id;
  useEffect(() => {
    if (selectedId !== undefined) cards.current.get(selectedId)?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);
  // A decided card leaves with the focus its Undo had: hand it to the card now selected (the
  // next in the queue), or the page heading once the queue is empty, not the body.
  const queued = useRef(queue.length);
  useEffect(() => {
    const shrank = queue.length < queued.current;
    queued.current = queue.length;
    if (!shrank || document.activeElement !== document.body) return;
    const next = selectedId === undefined ? undefined : cards.current.get(selectedId);
    (next ?? document.querySelector<HTMLElement>('main h1'))?.focus({ preventScroll: true });
  }, [queue.length, selectedId]);

  return (
    <>
      <PageHeader
        title="Approvals"
        subtitle={
          canDecide ? (
            <>
              Calls held for a human decision, oldest first.
              <span className="hidden sm:inline">
                {' '}
                Keys: j/k move · a approve · d deny{isAdmin ? ' · Shift+A always allow · Shift+D always block' : ''} · u undo
              </span>
            </>
          ) : (
            'Calls held for a human decision. Your role can watch the queue; a reviewer or admin decides.'
          )
        }
      />
      <ProposalsPanel now={now} isAdmin={isAdmin} />
      <ToolPinChanges now={now} isAdmin={isAdmin} />
      <QueryState query={pending} rows={2}>
        {queue.length === 0 ? (
          <EmptyState title="No approvals waiting" icon={CircleCheck}>
            {canDecide
              ? 'When an agent tries an action its policy doesn’t list, the call waits here for you. New requests appear instantly.'
              : 'When an agent tries an action its policy doesn’t list, the call waits here for a reviewer or admin. New requests appear instantly.'}
          </EmptyState>
        ) : (
          <div className="space-y-4" aria-live="polite">
            {queue.map((a, i) => (
              <ApprovalCard
                key={a.id}
                ref={(el) => {
                  if (el) cards.current.set(a.id, el);
                  else cards.current.delete(a.id);
                }}
                approval={a}
                now={now}
                agentPaused={paused.has(a.agent)}
                selected={i === clamped}
                canDecide={canDecide}
                canReveal={isAdmin}
                canMakeRules={isAdmin}
                canEditArgs={isAdmin}
                editing={editingId === a.id}
                onEdit={(open) => {
                  setEditing(open ? a.id : null);
                  if (open) setAsking(null);
                }}
                busy={decideMutation.isPending && decideMutation.variables.id === a.id}
                scheduled={scheduled.find((s) => s.id === a.id) ?? null}
                onUndo={() => undo(a.id)}
                onSelect={() => setSelected(i)}
                onDecide={(d) => decide(a, d)}
                asking={asking?.id === a.id ? asking.d : null}
                onAsk={(d) => setAsking(d ? { id: a.id, d } : null)}
              />
            ))}
          </div>
        )}
      </QueryState>
      <RecentDecisions now={now} />
      {isAdmin && <ChannelsPanel now={now} />}
    </>
  );
}
