import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from '@tanstack/react-query';
import { FlaskConical } from 'lucide-react';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { errorMessage } from '../../lib/errors';
import { Field } from '../Field';
import { ProblemList } from './ProblemList';

type Tried = RouterOutputs['policies']['tryCall'];
type Verdict = NonNullable<Tried['verdict']>;

const VERDICT_TONE: Record<Verdict, string> = {
  ALLOWED: 'bg-allow-soft text-allow-ink dark:bg-green-950 dark:text-green-300',
  BLOCKED: 'bg-block-soft text-block-ink dark:bg-red-950 dark:text-red-300',
  REVIEW: 'bg-review-soft text-review dark:bg-amber-950 dark:text-amber-300',
  KILLED: 'bg-killed-soft text-killed dark:bg-fuchsia-950 dark:text-fuchsia-300',
};

/** Reads the arguments box: a JSON object, or why it isn't one. */
function parseArgs(
  text: string,
): { ok: true; args: Record<string, unknown> } | { ok: false; error: string } {
  if (!text.trim()) return { ok: true, args: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value))
      return { ok: true, args: value as Record<string, unknown> };
    return { ok: false, error: 'The arguments must be a JSON object, e.g. {"amount": 5000}' };
  } catch (e) {
    return { ok: false, error: `The arguments are not valid JSON: ${(e as Error).message}` };
  }
}

/**
 * "Try a call": an action and its arguments evaluated against the draft (or the policy in force)
 * on the server — the same engine, history and all — showing the verdict and the rule that
 * decided. Nothing is recorded and no approval is opened.
 */
export function TryCall({ agent, draft }: { agent: string | null; draft?: string }) {
  const trpc = useTRPC();
  const agents = useQuery({ ...trpc.agents.list.queryOptions(), enabled: agent === null });
  const [chosen, setChosen] = useState('');
  const [action, setAction] = useState('');
  const [argsText, setArgsText] = useState('{}');
  const [tags, setTags] = useState('');
  const [argsError, setArgsError] = useState<string | null>(null);
  const tryCall = useMutation(trpc.policies.tryCall.mutationOptions());
  const target = agent ?? (chosen || agents.data?.[0]?.name || '');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseArgs(argsText);
    setArgsError(parsed.ok ? null : parsed.error);
    if (!parsed.ok) tryCall.reset(); // an answer to other arguments must not stand next to the error
    if (!parsed.ok || !target || !action.trim()) return;
    const tagList = tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    tryCall.mutate({
      agent: target,
      action: action.trim(),
      args: parsed.args,
      tags: tagList,
      ...(draft ? { yaml: draft } : {}),
    });
  };
  const result = tryCall.data;
  // A trial runs as one agent (its history, its rules): none registered yet, nothing to try as.
  if (agent === null && agents.data?.length === 0)
    return (
      <div
        className="rounded-xl border border-neutral-200 p-3 dark:border-neutral-800"
        data-testid="try-call-no-agents"
      >
        <h3 className="text-sm font-bold">Try a call</h3>
        <p className="text-sm muted">
          A call is tried as one of your agents, with its history, and no agent has registered yet.
          Once one has (see{' '}
          <Link to="/agents" className="underline">
            Agents
          </Link>
          ), try its calls here against these rules and your drafts.
        </p>
      </div>
    );

  return (
    <form
      onSubmit={submit}
      className="rounded-xl border border-neutral-200 p-3 dark:border-neutral-800"
      aria-label="Try a call"
    >
      <h3 className="text-sm font-bold">Try a call</h3>
      <p className="mb-2 text-xs muted">
        Evaluated against {draft ? 'your draft' : 'the rules in force'} with this agent's history.
        Nothing is recorded.
      </p>
      <div className="grid grid-cols-1 gap-2 sm:grid-cols-2">
        {agent === null && (
          <Field label="Agent">
            {(props) => (
              <select
                {...props}
                className="input w-full"
                value={target}
                onChange={(e) => setChosen(e.target.value)}
              >
                {agents.data?.map((a) => (
                  <option key={a.name} value={a.name}>
                    {a.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Field label="Action">
          {(props) => (
            <input
              {...props}
              className="input w-full font-mono"
              value={action}
              onChange={(e) => setAction(e.target.value)}
              placeholder="transfer_funds"
              required
              maxLength={128}
            />
          )}
        </Field>
        <Field label="Tool tags (optional)" help="Separated by commas, as the tool declares them.">
          {(props) => (
            <input
              {...props}
              className="input w-full font-mono"
              value={tags}
              onChange={(e) => setTags(e.target.value)}
              placeholder="pii, external"
            />
          )}
        </Field>
      </div>
      <div className="mt-2">
        <Field
          label="Arguments (JSON)"
          help={
            <>
              An object, e.g. <code>{'{"amount": 5000}'}</code>.
            </>
          }
        >
          {(props) => (
            <textarea
              {...props}
              className="input h-20 w-full font-mono text-xs"
              value={argsText}
              onChange={(e) => setArgsText(e.target.value)}
              spellCheck={false}
            />
          )}
        </Field>
      </div>
      <button
        type="submit"
        className="btn btn-primary mt-2"
        disabled={tryCall.isPending || !target}
      >
        <FlaskConical className="size-4" aria-hidden /> Try
      </button>
      {argsError && (
        <p className="mt-2 text-xs text-block-ink dark:text-red-300" role="alert">
          {argsError}
        </p>
      )}
      {tryCall.error && (
        <p className="mt-2 text-xs text-block-ink dark:text-red-300" role="alert">
          {errorMessage(tryCall.error)}
        </p>
      )}
      {result && !result.ok && (
        <div role="status">
          <p className="mt-2 text-xs font-semibold">Fix the draft first:</p>
          <ProblemList problems={result.problems} draft={draft ?? ''} />
        </div>
      )}
      {result?.ok && result.verdict && (
        <div className="mt-3 text-sm" data-testid="try-result" role="status">
          <span
            className={`rounded-full px-2 py-0.5 text-xs font-bold ${VERDICT_TONE[result.verdict]}`}
          >
            {result.verdict}
          </span>
          {result.rule && (
            <span className="ml-2">
              decided by rule{' '}
              <code className="font-mono font-semibold" data-testid="try-rule">
                {result.rule.id}
              </code>{' '}
              <span className="muted">
                ({result.rule.scope}, v{result.rule.version})
              </span>
            </span>
          )}
          {result.reason && <p className="mt-1 text-xs">{result.reason}</p>}
          {result.errors.map((e) => (
            <p key={e.ruleId} className="mt-1 text-xs text-block-ink dark:text-red-300">
              {e.ruleId}: {e.message}
            </p>
          ))}
        </div>
      )}
    </form>
  );
}
