import { useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Check, Copy, TriangleAlert } from 'lucide-react';
import { agentName } from '@aegis/shared';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { errorMessage } from '../../lib/errors';
import { Dialog } from '../Dialog';
import { ROLES, RoleBadge, scopeText, type Role } from './roles';

type Created = RouterOutputs['keys']['create'];
type Field = 'name' | 'role' | 'agents' | 'form';

/**
 * Which field the server's refusal is about: zod's answers and the key store's both start with
 * the field ("agents: an agent key must name the agents it may act for").
 */
function refusal(error: unknown, agents: string[] | null): { field: Field; message: string } {
  const message = errorMessage(error);
  const match = /^(name|role|agents)(?:\.\d+)?: ([\s\S]+)$/.exec(message);
  if (!match) return { field: 'form', message };
  const field = match[1] as Field;
  // zod says what a name may hold, not which one broke it: name those here.
  const bad =
    field === 'agents' ? (agents ?? []).filter((a) => !agentName.safeParse(a).success) : [];
  const which = bad.length ? `${bad.map((a) => `“${a}”`).join(', ')}: ` : '';
  const reason = match[2]!;
  return {
    field,
    message: which ? `${which}${reason}` : reason.charAt(0).toUpperCase() + reason.slice(1),
  };
}

/** Where focus goes when the server refuses a field. */
const FOCUS = {
  name: 'key-name',
  role: 'key-role-agent-radio',
  agents: 'key-other-agents',
} as const;

/** Comma-separated names, trimmed, without blanks or repeats. */
const splitNames = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * New key: name, role and (agent keys) the agents it may act for. The server checks all of it and
 * its refusal is shown beside the field it is about. The secret is then shown once, and lives
 * only in this dialog's state: the mutation is dropped from TanStack's cache at once (gcTime 0,
 * reset) and nothing is written to storage, so closing the dialog forgets it.
 */
export function CreateKeyDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} labelledBy="create-key-title">
      <CreateKey onClose={onClose} />
    </Dialog>
  );
}

function CreateKey({ onClose }: { onClose: () => void }) {
  const [created, setCreated] = useState<Created | null>(null);
  return created ? (
    <Secret created={created} onClose={onClose} />
  ) : (
    <CreateForm onCreated={setCreated} onClose={onClose} />
  );
}

function CreateForm({
  onCreated,
  onClose,
}: {
  onCreated: (c: Created) => void;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [picked, setPicked] = useState<string[]>([]);
  const [other, setOther] = useState('');
  const [error, setError] = useState<{ field: Field; message: string } | null>(null);
  const agents = useQuery({ ...trpc.agents.list.queryOptions(), enabled: role === 'agent' });
  const registered = (agents.data ?? []).map((a) => a.name).sort((a, b) => a.localeCompare(b));
  const create = useMutation({
    ...trpc.keys.create.mutationOptions(),
    // The answer holds the secret: keep it out of the mutation cache once this form has it.
    gcTime: 0,
    // Refusals are shown beside the form, in words, not as a generic toast.
    meta: { silent: true },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      setError({ field: 'name', message: 'Give the key a name: who or what will use it.' });
      document.getElementById(FOCUS.name)?.focus();
      return;
    }
    const scope = role === 'agent' ? [...new Set([...picked, ...splitNames(other)])] : [];
    // None named: the server says why an agent key needs some (an empty list is a different error).
    const agentsInput = scope.length ? scope : null;
    setError(null);
    create.mutate(
      { name: name.trim(), role, agents: agentsInput },
      {
        onSuccess: (result) => {
          create.reset();
          void qc.invalidateQueries({ queryKey: trpc.keys.list.queryKey() });
          // No toast: it would sit behind the modal; the dialog itself says the key was created.
          onCreated(result);
        },
        onError: (err) => {
          const r = refusal(err, agentsInput);
          setError(r);
          // To the field at fault (scrolled into view on a phone); it announces the reason.
          const { field } = r;
          if (field !== 'form')
            requestAnimationFrame(() => document.getElementById(FOCUS[field])?.focus());
        },
      },
    );
  };

  const errorFor = (field: Field) =>
    error?.field === field ? (
      <p
        id={`key-${field}-error`}
        role="alert"
        className="mt-1 text-sm font-semibold text-block-ink dark:text-red-300"
      >
        {error.message}
      </p>
    ) : null;
  const invalid = (field: Field) =>
    error?.field === field
      ? { 'aria-invalid': true as const, 'aria-describedby': `key-${field}-error` }
      : {};

  return (
    <form onSubmit={submit} aria-labelledby="create-key-title" noValidate>
      <h2 id="create-key-title" className="text-lg font-bold">
        New API key
      </h2>
      <p className="mt-1 text-sm muted">
        The secret is shown once, when the key is created. Aegis keeps only its hash.
      </p>

      <label className="mt-4 block text-sm font-semibold" htmlFor="key-name">
        Name
      </label>
      <input
        id="key-name"
        className="input mt-1 w-full"
        value={name}
        onChange={(e) => setName(e.target.value)}
        placeholder="e.g. payments-bot, alice"
        autoComplete="off"
        maxLength={100}
        autoFocus
        {...invalid('name')}
      />
      {errorFor('name')}

      <fieldset
        className="mt-4"
        {...(error?.field === 'role' ? { 'aria-describedby': 'key-role-error' } : {})}
      >
        <legend className="text-sm font-semibold">Role</legend>
        <div className="mt-1 grid gap-2 sm:grid-cols-2">
          {ROLES.map((r) => (
            <label
              key={r.role}
              className={`flex cursor-pointer gap-2 rounded-xl border p-2.5 text-sm ${
                role === r.role
                  ? 'border-neutral-900 bg-neutral-50 dark:border-neutral-100 dark:bg-neutral-800'
                  : 'border-neutral-300 dark:border-neutral-700'
              }`}
            >
              <input
                type="radio"
                name="key-role"
                value={r.role}
                checked={role === r.role}
                onChange={() => setRole(r.role)}
                id={`key-role-${r.role}-radio`}
                className="mt-0.5"
                aria-describedby={`key-role-${r.role}`}
              />
              <span className="min-w-0">
                <span className="font-semibold">{r.label}</span>
                <span id={`key-role-${r.role}`} className="block text-xs muted">
                  {r.can}
                </span>
              </span>
            </label>
          ))}
        </div>
        {errorFor('role')}
      </fieldset>

      {role === 'agent' ? (
        <fieldset
          className="mt-4"
          aria-describedby={`key-agents-hint${error?.field === 'agents' ? ' key-agents-error' : ''}`}
        >
          <legend className="text-sm font-semibold">Agents this key may act for</legend>
          <p id="key-agents-hint" className="text-xs muted">
            It may decide and report for these agents only. Pick registered ones, or name agents
            that haven’t registered yet.
          </p>
          {registered.length > 0 && (
            <div
              className="mt-2 max-h-40 overflow-y-auto rounded-xl border border-neutral-300 p-1 dark:border-neutral-700"
              role="group"
              aria-label="Registered agents"
            >
              {registered.map((a) => (
                <label
                  key={a}
                  className="flex cursor-pointer items-center gap-2 rounded px-2 py-1 text-sm hover:bg-neutral-100 dark:hover:bg-neutral-800"
                >
                  <input
                    type="checkbox"
                    checked={picked.includes(a)}
                    onChange={(e) =>
                      setPicked(e.target.checked ? [...picked, a] : picked.filter((p) => p !== a))
                    }
                  />
                  <span className="min-w-0 wrap-anywhere">{a}</span>
                </label>
              ))}
            </div>
          )}
          <label className="mt-2 block text-xs font-semibold" htmlFor="key-other-agents">
            {registered.length > 0 ? 'Other agents' : 'Agent names'} (comma-separated)
          </label>
          <input
            id="key-other-agents"
            className="input mt-1 w-full"
            value={other}
            onChange={(e) => setOther(e.target.value)}
            placeholder="e.g. payments-bot, support-bot"
            autoComplete="off"
            {...invalid('agents')}
          />
          {errorFor('agents')}
        </fieldset>
      ) : (
        <p className="mt-4 rounded-xl bg-neutral-100 p-2.5 text-xs dark:bg-neutral-800">
          {ROLES.find((r) => r.role === role)?.label} keys see every agent: only agent keys are
          scoped to agents.
        </p>
      )}

      {errorFor('form')}
      <div className="mt-5 flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <button type="button" className="btn btn-ghost" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create key'}
        </button>
      </div>
    </form>
  );
}

/** The new key's secret, once, with a copy button; Done (or Escape) forgets it. */
function Secret({ created, onClose }: { created: Created; onClose: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'manual'>('idle');
  const { key, info } = created;

  const copyKey = async () => {
    try {
      await navigator.clipboard.writeText(key);
      setCopy('copied');
    } catch {
      // No clipboard API (plain http to another machine) or no permission: select it for Ctrl+C.
      input.current?.select();
      setCopy('manual');
    }
  };

  return (
    <div>
      <h2 id="create-key-title" className="text-lg font-bold">
        Key “{info.name}” created
      </h2>
      <p className="mt-1 flex flex-wrap items-center gap-2 text-sm muted">
        <RoleBadge role={info.role} />
        <span className="wrap-anywhere">{scopeText(info)}</span>
        <span className="font-mono text-xs">{info.id}</span>
      </p>
      <p
        role="status"
        className="mt-4 flex gap-2 rounded-xl bg-review-soft p-3 text-sm text-neutral-900 dark:bg-amber-950 dark:text-amber-100"
      >
        <TriangleAlert
          className="mt-0.5 size-4 shrink-0 text-review dark:text-amber-300"
          aria-hidden
        />
        <span>
          <strong>Copy this key now: you won’t see it again.</strong> Aegis stores only its hash; if
          it is lost, revoke it and create a new one.
        </span>
      </p>
      <label className="mt-4 block text-sm font-semibold" htmlFor="new-key-secret">
        API key
      </label>
      <div className="mt-1 flex flex-col gap-2 sm:flex-row">
        <input
          id="new-key-secret"
          ref={input}
          readOnly
          value={key}
          onFocus={(e) => e.currentTarget.select()}
          className="input min-w-0 flex-1 font-mono text-xs max-sm:py-2"
          spellCheck={false}
          autoComplete="off"
          data-testid="new-key-secret"
        />
        <button
          type="button"
          className="btn btn-primary shrink-0 max-sm:py-2"
          onClick={() => void copyKey()}
          // The form that had focus is gone: focus lands on what to do next, inside the dialog.
          autoFocus
        >
          {copy === 'copied' ? (
            <Check className="size-4" aria-hidden />
          ) : (
            <Copy className="size-4" aria-hidden />
          )}
          {copy === 'copied' ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p className="mt-1 min-h-5 text-xs muted" aria-live="polite">
        {copy === 'copied'
          ? 'Copied to the clipboard.'
          : copy === 'manual'
            ? 'The clipboard isn’t available here: the key is selected, press Ctrl+C (⌘C) to copy it.'
            : ''}
      </p>
      <p className="mt-2 text-xs muted">
        {info.role === 'agent' ? (
          <>
            Give it to the agent in its environment (the SDK, the CLI and the MCP gateway read both;{' '}
            <code>npx aegis status</code> checks them), or as <code>apiKey</code> (SDK) or{' '}
            <code>Authorization: Bearer &lt;key&gt;</code>:
          </>
        ) : (
          <>
            Sign in to the dashboard with it, or send it as{' '}
            <code>Authorization: Bearer &lt;key&gt;</code>.
          </>
        )}
      </p>
      {info.role === 'agent' && (
        <pre
          className="mt-1 overflow-x-auto rounded-lg bg-neutral-100 p-2 font-mono text-xs text-neutral-900 dark:bg-neutral-800 dark:text-neutral-100"
          data-testid="new-key-env"
        >
          {`AEGIS_URL=${window.location.origin}\nAEGIS_API_KEY=${key}`}
        </pre>
      )}
      <div className="mt-5 flex flex-col sm:flex-row sm:justify-end">
        <button type="button" className="btn btn-ghost" onClick={onClose}>
          Done, I’ve stored it
        </button>
      </div>
    </div>
  );
}
