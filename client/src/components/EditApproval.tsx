import { useId, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ArrowLeft, Check, ClipboardList, TriangleAlert, X } from 'lucide-react';
import { argsPointer } from '@aegis/shared/argsDiff';
import { useTRPC } from '../lib/trpc';
import { toast } from '../lib/toasts';
import { errorCode, errorMessage } from '../lib/errors';
import { checkEditedArgs, type EditCheck } from '../lib/editArgs';
import { ArgsChanges } from './ArgsChanges';
import type { Approval } from './ApprovalCard';

interface Props {
  approval: Approval;
  /** The call's real arguments, from the audited reveal; null while they load. */
  original: Record<string, unknown> | null;
  /** Why the real arguments could not be had (nothing is edited from masked ones). */
  loadError: string | null;
  comment: string;
  onComment: (comment: string) => void;
  onClose: () => void;
}

type Checked = Extract<EditCheck, { ok: true }>;

/**
 * Admins approve a held call with changed arguments: edit the real (revealed) arguments as JSON,
 * review the field-by-field changes, then confirm. Sent on confirmation — the review of the
 * changes is the second look that Approve's 5-second undo gives — so what the server refuses
 * (too large, decided meanwhile) comes back here, beside the arguments, rather than in a toast.
 */
export function EditApproval({
  approval: a,
  original,
  loadError,
  comment,
  onComment,
  onClose,
}: Props) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const ids = useId();
  const [text, setText] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [checked, setChecked] = useState<Checked | null>(null);
  const [acknowledged, setAcknowledged] = useState(false);
  const pendingKey = trpc.approvals.pending.queryKey();
  const decide = useMutation(
    trpc.approvals.decide.mutationOptions({
      // Its failures are shown here, beside the arguments, not as a toast.
      meta: { silent: true },
      onSuccess: (done) => {
        qc.setQueryData(pendingKey, (list) => list?.filter((x) => x.id !== done.id));
        toast({
          kind: 'success',
          title: `Approved ${done.action} with edited arguments`,
          body: `${done.agent} runs the edited call, once.`,
        });
        onClose();
      },
      onError: (error) => {
        // Decided by someone else meanwhile: the queue is out of date.
        if (errorCode(error) === 'CONFLICT') void qc.invalidateQueries({ queryKey: pendingKey });
      },
    }),
  );

  const value = text ?? (original ? JSON.stringify(original, null, 2) : '');
  const lines = value.split('\n').length;
  const review = () => {
    if (!original) return;
    const result = checkEditedArgs(value, original);
    if (!result.ok) {
      setProblem(result.error);
      return;
    }
    setProblem(null);
    setAcknowledged(false);
    decide.reset();
    setChecked(result);
  };
  const confirm = () => {
    if (!checked) return;
    decide.mutate({
      id: a.id,
      decision: 'APPROVED',
      remember: false,
      editedArgs: checked.args,
      ...(comment.trim() && { comment: comment.trim() }),
    });
  };
  const stop = (e: { stopPropagation(): void }) => e.stopPropagation();

  return (
    <section
      aria-labelledby={`${ids}-title`}
      data-testid="edit-approval"
      className="mt-3 rounded-xl border border-neutral-300 p-3 text-sm dark:border-neutral-700"
      onClick={stop}
    >
      <h3 id={`${ids}-title`} className="font-semibold">
        {checked ? 'Review your changes' : 'Edit the arguments, then review the changes'}
      </h3>

      {!checked && (
        <>
          {loadError ? (
            <p role="alert" className="mt-2 text-block-ink dark:text-red-300">
              Couldn’t reveal the real arguments: {loadError}. Editing starts from the real values
              only, never from masked ones.
            </p>
          ) : !original ? (
            <p role="status" className="mt-2 muted">
              Revealing the real arguments…
            </p>
          ) : (
            <>
              <p id={`${ids}-help`} className="mt-1 text-xs muted">
                Filled in with the real, unmasked values (revealing them is recorded in the audit
                log). The agent will run the call with exactly this JSON object, once.
              </p>
              <label className="mt-2 block">
                <span className="sr-only">Edited arguments of request {a.id} (JSON)</span>
                <textarea
                  className="input block w-full resize-y font-mono text-xs leading-5"
                  rows={Math.min(18, Math.max(6, lines + 1))}
                  spellCheck={false}
                  autoCapitalize="off"
                  autoComplete="off"
                  value={value}
                  aria-invalid={problem ? true : undefined}
                  aria-describedby={`${ids}-help${problem ? ` ${ids}-problem` : ''}`}
                  onChange={(e) => {
                    setText(e.target.value);
                    setProblem(null);
                  }}
                />
              </label>
              {problem && (
                <p
                  id={`${ids}-problem`}
                  role="alert"
                  data-testid="edit-problem"
                  className="mt-1 flex items-start gap-1 text-xs font-semibold text-block-ink dark:text-red-300"
                >
                  <TriangleAlert className="mt-0.5 size-3.5 shrink-0" aria-hidden />
                  <span className="min-w-0 wrap-anywhere">{problem}</span>
                </p>
              )}
            </>
          )}
          <div className="mt-2 flex flex-wrap gap-2">
            <button type="button" className="btn btn-primary" disabled={!original} onClick={review}>
              <ClipboardList className="size-4" aria-hidden /> Review changes
            </button>
            <button type="button" className="btn btn-ghost" onClick={onClose}>
              <X className="size-4" aria-hidden /> Cancel
            </button>
          </div>
        </>
      )}

      {checked && (
        <>
          <p className="mt-1 text-xs muted">
            {a.agent} will run <span className="font-mono wrap-anywhere">{a.action}</span> with
            these changes instead of the arguments it asked for —{' '}
            {checked.changes.length === 1 ? '1 field' : `${checked.changes.length} fields`}:
          </p>
          <div className="mt-2 max-h-80 overflow-auto">
            <ArgsChanges
              label={`Changes to the arguments of request ${a.id}`}
              changes={checked.changes.map((c) => ({ ...c, pointer: argsPointer(c.path) }))}
            />
          </div>
          {checked.maskLike.length > 0 && (
            <div
              role="alert"
              data-testid="mask-warning"
              className="mt-2 rounded-lg border border-review bg-review-soft p-2 text-xs text-neutral-900 dark:bg-amber-950 dark:text-amber-100"
            >
              <p className="flex items-center gap-1 font-semibold">
                <TriangleAlert
                  className="size-3.5 shrink-0 text-review dark:text-amber-300"
                  aria-hidden
                />
                {checked.maskLike.length === 1 ? 'This value looks' : 'These values look'} like
                masked text, not real data:
              </p>
              <ul className="mt-1 list-disc pl-5 font-mono">
                {checked.maskLike.map((c) => (
                  <li key={argsPointer(c.path)} className="wrap-anywhere">
                    {argsPointer(c.path)}
                  </li>
                ))}
              </ul>
              <p className="mt-1">The agent would run with exactly this text, stars and all.</p>
              <label className="mt-1 flex items-center gap-2 font-semibold">
                <input
                  type="checkbox"
                  checked={acknowledged}
                  onChange={(e) => setAcknowledged(e.target.checked)}
                />
                I mean this text: approve with it anyway
              </label>
            </div>
          )}
          <label className="mt-2 block">
            <span className="sr-only">Comment on request {a.id} (optional)</span>
            <input
              className="input w-full"
              placeholder="Comment (optional): why you changed it"
              maxLength={500}
              value={comment}
              onChange={(e) => onComment(e.target.value)}
            />
          </label>
          {decide.error && (
            <p
              role="alert"
              data-testid="edit-problem"
              className="mt-2 flex items-start gap-1 text-xs font-semibold text-block-ink dark:text-red-300"
            >
              <TriangleAlert className="mt-0.5 size-3.5 shrink-0" aria-hidden />
              <span className="min-w-0 wrap-anywhere">{refusal(decide.error)}</span>
            </p>
          )}
          <div className="mt-2 flex flex-wrap gap-2">
            <button
              type="button"
              className="btn btn-allow"
              disabled={decide.isPending || (checked.maskLike.length > 0 && !acknowledged)}
              onClick={confirm}
            >
              <Check className="size-4" aria-hidden /> Approve with these arguments
            </button>
            <button
              type="button"
              className="btn btn-ghost"
              disabled={decide.isPending}
              onClick={() => setChecked(null)}
            >
              <ArrowLeft className="size-4" aria-hidden /> Back to editing
            </button>
            <button
              type="button"
              className="btn btn-ghost"
              disabled={decide.isPending}
              onClick={onClose}
            >
              <X className="size-4" aria-hidden /> Cancel
            </button>
          </div>
        </>
      )}
    </section>
  );
}

/** The server's reason, in words for this panel (its messages name the field they are about). */
function refusal(error: unknown): string {
  const message = errorMessage(error).replace(/^editedArgs: /, '');
  if (errorCode(error) === 'PAYLOAD_TOO_LARGE')
    return `Too large to approve: ${message}. Shorten the arguments.`;
  if (errorCode(error) === 'CONFLICT') return `${message}. Nothing was changed.`;
  return message;
}
