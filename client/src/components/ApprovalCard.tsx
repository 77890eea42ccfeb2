import { forwardRef, useEffect, useRef, useState, type RefObject } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { SoftWrap } from './SoftWrap';
import { Link } from 'react-router';
import { Ban, Check, Clock, Eye, EyeOff, FilePenLine, PauseCircle, Power, ShieldCheck, Undo2, X } from 'lucide-react';
import { revealHidden } from '@aegis/shared/visibleText';
import { useTRPC, type RouterOutputs } from '../lib/trpc';
import { errorMessage } from '../lib/errors';
import { age, fullTime, prettyJson, stamp } from '../lib/format';
import { activityLink } from '../lib/activityLink';
import { Ago } from './Ago';
import { FindingChips } from './FindingChips';
import { StatusBadge } from './StatusBadge';
import type { Scheduled } from '../hooks/useUndoableDecisions';
import { ReviewProgress } from './ReviewProgress';
import { EditApproval } from './EditApproval';
import { HiddenCharsWarning } from './HiddenCharsWarning';
import { usePrincipal } from '../hooks/usePrincipal';

export type Approval = RouterOutputs['approvals']['pending'][number];
export type Decision = { decision: 'APPROVED' | 'DENIED'; remember: boolean; comment?: string };

interface Props {
  approval: Approval;
  now: number;
  /** The agent's kill-switch is on: its calls are refused whatever is decided here, until resumed. */
  agentPaused?: boolean;
  selected: boolean;
  canDecide: boolean;
  /** "Always allow / always block" change the agent's policy: admins only. */
  canMakeRules: boolean;
  canReveal: boolean;
  /** "Edit & approve": admins, on a call (not a held result) that needs one approver. */
  canEditArgs: boolean;
  /** The argument editor is open on this card (the page's shortcuts leave it alone). */
  editing: boolean;
  onEdit: (open: boolean) => void;
  busy: boolean;
  onSelect: () => void;
  onDecide: (d: Decision) => void;
  /** A decision of this card waiting out its undo window. */
  scheduled: Scheduled<Decision> | null;
  onUndo: () => void;
  /** A standing rule asked for, awaiting confirmation. */
  asking: Decision | null;
  onAsk: (d: Decision | null) => void;
}

function expiresIn(iso: string, now: number): string {
  const minutes = Math.round((Date.parse(iso) - now) / 60_000);
  if (minutes <= 0) return 'expiring now';
  return minutes < 90 ? `expires in ${minutes} min` : `expires in ${Math.round(minutes / 60)} h`;
}

/**
 * Focuses `target` when `shown` turns true, if the element that had focus went away with the
 * change (focus fell back to the body). The card swaps its buttons for an undo bar or a
 * confirmation and back: a keyboard user pressing Approve was left on the body, Tab starting over
 * from the top of the page, the Undo out of reach.
 */
function useFocusWhenShown(target: RefObject<HTMLElement | null>, shown: boolean) {
  const was = useRef(shown);
  useEffect(() => {
    const lost = document.activeElement === null || document.activeElement === document.body;
    if (shown && !was.current && lost) target.current?.focus();
    was.current = shown;
  }, [shown, target]);
}

/** One request waiting for a person: who wants to do what, with which arguments, for how long. */
export const ApprovalCard = forwardRef<HTMLElement, Props>(function ApprovalCard(
  { approval: a, now, agentPaused = false, selected, canDecide, canMakeRules, canReveal, canEditArgs, editing, onEdit, busy, onSelect, onDecide, scheduled, onUndo, asking, onAsk },
  ref,
) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [revealed, setRevealed] = useState<Record<string, unknown> | null>(null);
  const [comment, setComment] = useState('');
  const withComment = (d: Decision): Decision => ({ ...d, ...(comment.trim() && { comment: comment.trim() }) });
  const undoButton = useRef<HTMLButtonElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const approveButton = useRef<HTMLButtonElement>(null);
  useFocusWhenShown(undoButton, Boolean(scheduled));
  useFocusWhenShown(confirmButton, Boolean(asking) && !scheduled);
  useFocusWhenShown(approveButton, !scheduled && !asking && !editing);
  // The queue carries a preview of long arguments; the detail call has them whole (still masked).
  const [whole, setWhole] = useState<Record<string, unknown> | null>(null);
  const reveal = useMutation(trpc.approvals.reveal.mutationOptions({ onSuccess: (r) => setRevealed(r.args) }));
  const heldResult = a.kind === 'result';
  // The editor starts from the real arguments, never the masked ones: approving masked text would
  // run the call with stars in place of the card number. Its reveal is audited as any other, and
  // is its own: the card goes on showing the call masked, as the agent asked it.
  const [editBase, setEditBase] = useState<Record<string, unknown> | null>(null);
  const revealForEdit = useMutation(trpc.approvals.reveal.mutationOptions({ onSuccess: (r) => setEditBase(r.args) }));
  const quorum = a.quorum ?? 1;
  // Votes count once per person (the server compares names this way): one who approved already
  // is told so and offered no second Approve; "always allow" makes a rule only with the vote
  // that completes the quorum, so it is offered only then.
  const { principal } = usePrincipal();
  const votes = a.votes ?? [];
  const same = (name: string) => name.normalize('NFKC').toLowerCase();
  const votedAlready = quorum > 1 && principal !== undefined && votes.some((v) => same(v.by) === same(principal.name));
  const completes = votes.length + 1 >= quorum;
  // A seed client (POST /sdk/approval) runs the arguments it asked with: it can't be handed an edit.
  const seedClient = a.seedClient === true;
  const mayEdit = canEditArgs && !heldResult && quorum <= 1 && !seedClient;
  const startEdit = () => {
    onEdit(true);
    if (revealed) setEditBase(revealed);
    else revealForEdit.mutate({ id: a.id });
  };
  const stopEdit = () => {
    onEdit(false);
    setEditBase(null);
  };
  const shown = revealed ?? whole;
  const json = heldResult ? prettyResult(a.resultPreview ?? null) : prettyJson(shown ?? a.argsPreview);
  const showAll = async () => setWhole((await qc.fetchQuery(trpc.approvals.byId.queryOptions({ id: a.id }))).args);
  const masked = !revealed && (json.includes('***') || json.includes('[REDACTED'));
  const titleId = `approval-${a.id}-title`;

  return (
    <article
      ref={ref}
      aria-labelledby={titleId}
      aria-current={selected ? 'true' : undefined}
      // a target for focus when the card before it is decided and goes (not in the Tab order)
      tabIndex={-1}
      data-testid="approval-card"
      data-approval-id={a.id}
      onClick={onSelect}
      className={`card scroll-mt-20 transition-shadow ${selected ? 'ring-2 ring-neutral-900 dark:ring-white' : ''}`}
    >
      <header className="flex flex-wrap items-start justify-between gap-2">
        {/* grows from a basis, not from its text: a held result's long note kept the badge off the title's row */}
        <div className="min-w-0 flex-1 basis-72">
          <h2 id={titleId} className="font-bold break-words">
            <Link to={`/agents/${encodeURIComponent(a.agent)}`} className="underline-offset-2 hover:underline">
              <SoftWrap text={a.agent} />
            </Link>{' '}
            <span className="font-normal muted">{heldResult ? 'got a result from' : 'wants to run'}</span>{' '}
            <span className="font-mono">
              <SoftWrap text={a.action} />
            </span>
          </h2>
          {heldResult && (
            <p className="text-xs" data-testid="held-result-note">
              <strong>The tool already ran; a rule holds what it returned.</strong> Release: the agent gets the result as the
              tool returned it, values masked here included. Withhold: the agent gets a refusal instead.
            </p>
          )}
          {a.reason && (
            // Why it was held, where the eye lands first: the decision is about this question.
            <p className="mt-1 text-sm wrap-anywhere" data-testid="approval-reason">
              <span className="font-semibold">
                Held{a.rule && <> by rule <span className="font-mono" data-testid="approval-rule">{revealHidden(a.rule)}</span></>}:
              </span>{' '}
              {revealHidden(a.reason)}
              {a.detectors?.length ? <span className="muted"> (DLP found: {a.detectors.join(', ')})</span> : null}
            </p>
          )}
          <p className="text-xs muted">
            Request #{a.id}
            {a.auditId && (
              <>
                {' · '}
                <Link to={`/activity/${a.auditId}`} className="underline underline-offset-2" data-testid="approval-entry-link">
                  Audit entry #{a.auditId}
                </Link>
              </>
            )}
            {/* approvals from before the reason was kept name their rule here */}
            {a.rule && !a.reason && (
              <>
                {' · rule '}
                <span className="font-mono" data-testid="approval-rule">
                  {a.rule}
                </span>
              </>
            )}{' '}
            · policy v{a.policyVersion} · {expiresIn(a.expiresAt, now)}
          </p>
          {agentPaused && (
            // Approving a stopped agent's call arms it for after the resume: say so before anyone does.
            <p className="mt-1 flex items-start gap-1.5 text-xs font-semibold text-block-ink dark:text-red-300" data-testid="approval-agent-paused">
              <Power className="mt-0.5 size-3.5 shrink-0" aria-hidden />
              <span>
                {a.agent} is stopped by the kill-switch: its calls are refused while it is. Approved, this call can still run once someone
                resumes the agent.
              </span>
            </p>
          )}
          {a.pausedRun && <PausedRunLine run={a.pausedRun} now={now} />}
          <ReviewProgress approval={a} now={now} />
        </div>
        <p className="inline-flex shrink-0 items-center gap-1 rounded-full bg-review-soft px-2.5 py-1 text-xs font-bold text-review tabular-nums dark:bg-amber-950 dark:text-amber-300">
          <Clock className="size-3.5" aria-hidden />
          <span>
            waiting <span data-testid="approval-age">{age(a.createdAt, now)}</span>
          </span>
        </p>
      </header>

      <div className="mt-3">
        <div className="mb-1 flex items-center justify-between gap-2">
          <p className="text-xs font-semibold muted">
            {heldResult ? 'Result' : 'Arguments'} {masked && '(sensitive values masked)'}
          </p>
          {canReveal && !heldResult && (masked || revealed) && (
            <button
              type="button"
              className="inline-flex shrink-0 items-center gap-1 text-xs font-semibold whitespace-nowrap underline-offset-2 hover:underline"
              disabled={reveal.isPending}
              onClick={(e) => {
                e.stopPropagation();
                if (revealed) setRevealed(null);
                else reveal.mutate({ id: a.id });
              }}
            >
              {revealed ? <EyeOff className="size-3.5" aria-hidden /> : <Eye className="size-3.5" aria-hidden />}
              {revealed ? 'Mask values' : 'Reveal values'}
            </button>
          )}
        </div>
        {/* wrapped, as on the entry page: on a phone a long value ran off to the right, and a
            reviewer could approve a destination they never saw the end of */}
        <pre className="max-h-64 overflow-auto rounded-xl bg-neutral-50 p-3 font-mono text-xs whitespace-pre-wrap wrap-anywhere text-neutral-800 dark:bg-neutral-950 dark:text-neutral-200" tabIndex={0} aria-label={`${heldResult ? 'Result' : 'Arguments'} of request ${a.id}`}>
          {json}
        </pre>
        <HiddenCharsWarning preview={heldResult ? a.resultPreview : shown ? JSON.stringify(shown) : a.argsPreview} />
        {!heldResult && a.argsTruncated && !shown && (
          <button
            type="button"
            className="mt-1 text-xs font-semibold underline-offset-2 hover:underline"
            onClick={(e) => {
              e.stopPropagation();
              void showAll();
            }}
          >
            Show all arguments
          </button>
        )}
        <FindingChips findings={a.findings} />
      </div>

      <RunContext approvalId={a.id} />

      {canDecide && scheduled && (
        <div role="status" data-testid="undo-bar" className="mt-3 flex flex-wrap items-center gap-3 rounded-xl bg-neutral-100 p-3 text-sm dark:bg-neutral-800">
          <span className="min-w-0 flex-1">
            {scheduled.decision.decision === 'APPROVED' ? (heldResult ? 'Releasing' : 'Approving') : heldResult ? 'Withholding' : 'Denying'}
            {scheduled.decision.remember && (scheduled.decision.decision === 'APPROVED' ? ' and always allowing' : ' and always blocking')} in{' '}
            <span className="tabular-nums">{Math.max(0, Math.ceil((scheduled.due - now) / 1000))} s</span>
            {scheduled.decision.comment && <span className="muted"> · “{scheduled.decision.comment}”</span>}
          </span>
          <button ref={undoButton} type="button" className="btn btn-primary" aria-keyshortcuts="u" onClick={(e) => (e.stopPropagation(), onUndo())}>
            <Undo2 className="size-4" aria-hidden /> Undo
          </button>
        </div>
      )}

      {canDecide && !scheduled && asking && (
        <div
          role="alertdialog"
          aria-label="Confirm standing rule"
          className="mt-3 rounded-xl border border-neutral-300 p-3 text-sm dark:border-neutral-700"
          // Escape cancels, as in any dialog; focus then goes back to the card's Approve button.
          onKeyDown={(e) => {
            if (e.key !== 'Escape') return;
            e.stopPropagation();
            onAsk(null);
          }}
        >
          <p className="font-semibold">
            {asking.decision === 'APPROVED' ? 'Always allow' : 'Always block'} <span className="font-mono wrap-anywhere">{a.action}</span> for {a.agent}?
          </p>
          <p className="muted">
            {asking.decision === 'APPROVED' ? 'Every future call of it runs without review' : 'Every future call of it is blocked'}, until someone changes the policy.
          </p>
          <div className="mt-2 flex flex-wrap gap-2">
            <button ref={confirmButton} type="button" className={`btn ${asking.decision === 'APPROVED' ? 'btn-allow' : 'btn-block'}`} onClick={(e) => (e.stopPropagation(), onAsk(null), onDecide(withComment(asking)))}>
              Yes, {asking.decision === 'APPROVED' ? 'always allow' : 'always block'}
            </button>
            <button type="button" className="btn btn-ghost" onClick={(e) => (e.stopPropagation(), onAsk(null))}>
              Cancel
            </button>
          </div>
        </div>
      )}

      {canDecide && !scheduled && editing && (
        <EditApproval
          approval={a}
          original={editBase}
          loadError={revealForEdit.error ? errorMessage(revealForEdit.error) : null}
          comment={comment}
          onComment={setComment}
          onClose={stopEdit}
        />
      )}

      {canDecide && !scheduled && !asking && !editing && (
        <>
          <label className="mt-3 block">
            <span className="sr-only">Comment on request {a.id} (optional)</span>
            <input
              className="input w-full"
              placeholder="Comment (optional): why you decide this way"
              maxLength={500}
              value={comment}
              onClick={(e) => e.stopPropagation()}
              onChange={(e) => setComment(e.target.value)}
            />
          </label>
          <div className="mt-2 flex flex-wrap gap-2">
            {!votedAlready && (
              <button ref={approveButton} type="button" className="btn btn-allow" disabled={busy} aria-keyshortcuts="a" onClick={() => onDecide(withComment({ decision: 'APPROVED', remember: false }))}>
                <Check className="size-4" aria-hidden /> {heldResult ? 'Release' : 'Approve'}
              </button>
            )}
            <button type="button" className="btn btn-block" disabled={busy} aria-keyshortcuts="d" onClick={() => onDecide(withComment({ decision: 'DENIED', remember: false }))}>
              <X className="size-4" aria-hidden /> {heldResult ? 'Withhold' : 'Deny'}
            </button>
            {mayEdit && (
              <button type="button" className="btn btn-ghost" disabled={busy} onClick={(e) => (e.stopPropagation(), startEdit())}>
                <FilePenLine className="size-4" aria-hidden /> Edit &amp; approve
              </button>
            )}
            {!heldResult && canMakeRules && (
              <>
                {!votedAlready && completes && (
                  <button type="button" className="btn btn-ghost" disabled={busy} aria-keyshortcuts="Shift+A" onClick={() => onAsk({ decision: 'APPROVED', remember: true })}>
                    <ShieldCheck className="size-4 text-allow-ink dark:text-allow" aria-hidden /> Always allow
                  </button>
                )}
                <button type="button" className="btn btn-ghost" disabled={busy} aria-keyshortcuts="Shift+D" onClick={() => onAsk({ decision: 'DENIED', remember: true })}>
                  <Ban className="size-4 text-block-ink dark:text-red-400" aria-hidden /> Always block
                </button>
              </>
            )}
          </div>
          {quorum > 1 && (
            <p className="mt-2 text-xs font-semibold" data-testid="quorum-next">
              {votedAlready
                ? `You approved. It waits for ${quorum - votes.length} more ${quorum - votes.length === 1 ? 'person' : 'people'}; a deny from anyone, you included, refuses it.`
                : completes
                  ? `Your approval is the last of the ${quorum} needed: ${heldResult ? 'the agent gets the result' : 'the call runs'}.`
                  : `Your approval makes ${votes.length + 1} of ${quorum}; it then waits for ${quorum - votes.length - 1} more.`}
            </p>
          )}
          {canEditArgs && !heldResult && quorum > 1 && (
            <p className="mt-2 text-xs muted" data-testid="edit-off-quorum">
              Edit &amp; approve is off for this request: it needs {quorum} people to approve, and edited arguments would
              run a call the other approvers never saw.
            </p>
          )}
          {canEditArgs && !heldResult && quorum <= 1 && seedClient && (
            <p className="mt-2 text-xs muted" data-testid="edit-off-seed">
              Edit &amp; approve is off for this request: it was asked over the seed REST protocol, whose client runs the
              call with the arguments it asked with and can&apos;t be handed edited ones.
            </p>
          )}
        </>
      )}
    </article>
  );
});

/** What the agent did just before asking: its last calls in the same run, each linking to its entry. */
function RunContext({ approvalId }: { approvalId: number }) {
  const trpc = useTRPC();
  const { data } = useQuery(trpc.approvals.context.queryOptions({ id: approvalId }, { staleTime: 60_000 }));
  if (!data || data.calls.length === 0) return null;
  return (
    <details className="mt-3 text-sm" data-testid="run-context" onClick={(e) => e.stopPropagation()}>
      <summary className="cursor-pointer text-xs font-semibold">
        {data.runId ? 'Earlier in this run' : 'Its last calls'} ({data.calls.length})
      </summary>
      <ul className="mt-1 space-y-1" aria-label={`Calls before request ${approvalId}`}>
        {data.calls.map((e) => (
          <li key={e.id} className="flex flex-wrap items-baseline gap-x-2">
            <StatusBadge status={e.status} />
            <Link to={`/activity/${e.id}`} className="font-mono font-semibold wrap-anywhere underline-offset-2 hover:underline">
              {e.action}
            </Link>
            <span className="min-w-0 flex-1 truncate font-mono text-xs muted">{revealHidden(e.argsPreview ?? '')}</span>
          </li>
        ))}
      </ul>
      {data.runId && (
        <Link to={activityLink({ run: data.runId })} className="mt-1 inline-block text-xs font-semibold underline underline-offset-2" data-testid="run-activity-link">
          The whole run in Activity
        </Link>
      )}
    </details>
  );
}

/** A held result's masked preview: pretty JSON when it is JSON, as it is otherwise. */
function prettyResult(preview: string | null): string {
  if (preview === null) return '(no preview)';
  try {
    return prettyJson(JSON.parse(preview) as unknown);
  } catch {
    return preview;
  }
}

/**
 * Review by interrupt: the agent's LangGraph run is checkpointed and paused on this request, not
 * holding a process; deciding resumes it, even if the agent's process restarted meanwhile.
 */
function PausedRunLine({ run, now }: { run: NonNullable<Approval['pausedRun']>; now: number }) {
  return (
    <p data-testid="paused-run" className="mt-1 inline-flex flex-wrap items-center gap-x-1 text-xs font-semibold">
      <PauseCircle className="size-3.5 shrink-0" aria-hidden />
      <span>Run paused</span>
      <span className="font-normal muted">
        · thread <span className="font-mono wrap-anywhere">{run.threadId}</span> · since{' '}
        <time dateTime={run.pausedAt} title={fullTime(run.pausedAt)}>
          {stamp(run.pausedAt)}
        </time>{' '}
        (<Ago iso={run.pausedAt} now={now} />) · your decision resumes it
      </span>
    </p>
  );
}
