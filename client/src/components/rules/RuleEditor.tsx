import { useEffect, useRef, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Check, Save, X } from 'lucide-react';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { toast } from '../../lib/toasts';
import { isSyntaxProblem, problemSummary, syntaxSummary, type Problem } from '../../lib/problems';
import { errorMessage } from '../../lib/errors';
import { ProblemList } from './ProblemList';
import { ReplayDraft } from './ReplayDraft';

type Checked = RouterOutputs['policies']['applyRules'];

const CHECK_DELAY_MS = 400;

/**
 * Checks the draft on the server as it is typed (a dry-run apply: parsed, type-checked, diffed,
 * nothing stored), after a short pause; answers to older drafts are dropped.
 */
function useDraftCheck(draft: string): {
  checked: Checked | null;
  checking: boolean;
  error: string | null;
  /** The problems of the last draft that parsed, and that draft (its lines, for the carets). */
  parsed: { draft: string; problems: Problem[] } | null;
} {
  const trpc = useTRPC();
  const check = useMutation(trpc.policies.applyRules.mutationOptions());
  const [state, setState] = useState<{
    for: string;
    checked: Checked | null;
    error: string | null;
  }>({ for: '', checked: null, error: null });
  const [parsed, setParsed] = useState<{ draft: string; problems: Problem[] } | null>(null);
  const latest = useRef(draft);
  latest.current = draft;
  const { mutate } = check;
  useEffect(() => {
    if (!draft.trim()) return;
    const timer = setTimeout(() => {
      mutate(
        { yaml: draft, dryRun: true },
        {
          onSuccess: (checked) => {
            if (latest.current !== draft) return;
            setState({ for: draft, checked, error: null });
            if (!checked.problems.some(isSyntaxProblem))
              setParsed({ draft, problems: checked.problems });
          },
          onError: (e) =>
            latest.current === draft &&
            setState({ for: draft, checked: null, error: errorMessage(e) }),
        },
      );
    }, CHECK_DELAY_MS);
    return () => clearTimeout(timer);
  }, [draft, mutate]);
  const current = state.for === draft;
  return {
    checked: current ? state.checked : null,
    checking: !current && draft.trim() !== '',
    error: current ? state.error : null,
    parsed,
  };
}

/** The YAML editor for one policy document (admins): checked as you type, saved as a new version with a message. */
export function RuleEditor({
  draft,
  onChange,
  onClose,
  invalidate,
}: {
  draft: string;
  onChange: (d: string) => void;
  onClose: () => void;
  invalidate: () => Promise<unknown>;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const area = useRef<HTMLTextAreaElement>(null);
  const [message, setMessage] = useState('');
  const { checked, checking, error, parsed } = useDraftCheck(draft);
  const save = useMutation(trpc.policies.applyRules.mutationOptions());
  const saved = save.data && !save.data.ok ? save.data : null;
  const problems = saved?.problems ?? checked?.problems ?? [];
  const changes = checked?.ok ? checked.policies.filter((p) => p.changed) : [];
  const unreadable = problems.some(isSyntaxProblem);
  // A syntax error stops the server's check, which hid what was still wrong with the rules:
  // those of the last draft that read stay in view, marked as from then.
  const before = unreadable && parsed?.problems.length ? parsed : null;

  const goTo = (line: number, column: number) => {
    const el = area.current;
    if (!el) return;
    const offset =
      draft
        .split('\n')
        .slice(0, line - 1)
        .reduce((n, l) => n + l.length + 1, 0) +
      column -
      1;
    el.focus();
    el.setSelectionRange(offset, offset + 1);
  };

  const submit = () =>
    save.mutate(
      { yaml: draft, message: message.trim() || undefined },
      {
        onSuccess: (res) => {
          if (!res.ok) return;
          const versions = res.policies
            .filter((p) => p.changed)
            .map((p) => `${p.agent ?? 'global'} v${p.version}`);
          toast({
            kind: 'success',
            title: versions.length ? `Saved: ${versions.join(', ')}` : 'Nothing changed',
          });
          onClose();
          void invalidate();
          // the lists shown above read conditional actions as REVIEW: they may have changed too
          void qc.invalidateQueries({ queryKey: trpc.agents.byName.queryKey() });
        },
      },
    );

  return (
    <div className="rounded-xl border border-neutral-200 p-3 dark:border-neutral-800">
      <label htmlFor="rule-draft" className="text-sm font-bold">
        Rule document (YAML)
      </label>
      <textarea
        id="rule-draft"
        ref={area}
        className="input mt-1 h-72 w-full font-mono text-xs"
        value={draft}
        onChange={(e) => {
          save.reset();
          onChange(e.target.value);
        }}
        spellCheck={false}
        aria-invalid={problems.length > 0}
        aria-describedby="rule-draft-status"
      />
      <div id="rule-draft-status" className="mt-1 text-xs" role="status" aria-live="polite">
        {checking ? (
          <span className="muted">Checking…</span>
        ) : error ? (
          <span className="text-block-ink dark:text-red-300">{error}</span>
        ) : problems.length > 0 ? (
          <span
            className="font-semibold text-block-ink dark:text-red-300"
            data-testid="draft-invalid"
          >
            {unreadable ? syntaxSummary(problems) : problemSummary(problems)}
          </span>
        ) : checked?.ok ? (
          <span className="text-allow-ink dark:text-green-300" data-testid="draft-valid">
            <Check className="mr-1 inline size-3" aria-hidden />
            Valid
            {changes.length
              ? ` · saving makes ${changes.map((p) => `${p.agent ?? 'global'} v${p.version + 1}`).join(', ')}`
              : ' · no change'}
          </span>
        ) : null}
      </div>
      {problems.length > 0 && <ProblemList problems={problems} draft={draft} onGoTo={goTo} />}
      {before && (
        <section
          className="mt-3"
          aria-label="Problems before the syntax error"
          data-testid="problems-before"
        >
          <p className="text-xs font-semibold">
            Still to fix, as of the last draft that read (line numbers may have moved since):
          </p>
          <ProblemList problems={before.problems} draft={before.draft} />
        </section>
      )}
      {changes.length > 0 && (
        <details className="mt-2 text-xs">
          <summary className="cursor-pointer font-semibold">What changes</summary>
          <pre className="mt-1 max-h-60 overflow-auto font-mono">
            {changes.map((p) => p.diff).join('\n')}
          </pre>
        </details>
      )}
      {changes.length > 0 && <ReplayDraft draft={draft} />}
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <input
          className="input min-w-0 flex-1 basis-48"
          value={message}
          onChange={(e) => setMessage(e.target.value)}
          placeholder="Why (kept with the version)"
          aria-label="Change message"
          maxLength={500}
        />
        <button
          type="button"
          className="btn btn-primary"
          onClick={submit}
          disabled={save.isPending || problems.length > 0 || checking}
        >
          <Save className="size-4" aria-hidden /> Save
        </button>
        <button type="button" className="btn btn-ghost" onClick={onClose}>
          <X className="size-4" aria-hidden /> Cancel
        </button>
      </div>
      {save.error && (
        <p className="mt-2 text-xs text-block-ink dark:text-red-300" role="alert">
          {errorMessage(save.error)}
        </p>
      )}
    </div>
  );
}
