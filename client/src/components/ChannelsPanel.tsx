import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { BellRing, Send, Trash2 } from 'lucide-react';
import { useTRPC, type RouterInputs } from '../lib/trpc';
import { toast } from '../lib/toasts';
import { Ago } from './Ago';
import { Field } from './Field';

type Kind = RouterInputs['channels']['create']['kind'];
const PLACEHOLDER: Record<Kind, string> = {
  webhook: 'https://hooks.example.com/aegis',
  slack: 'https://hooks.slack.com/services/…',
  email: 'rita@example.com, sam@example.com',
};

/** What goes in the target field, where its format is not obvious from its name. */
const TARGET_HELP: Record<Kind, string> = {
  webhook: 'An https:// endpoint; each message is signed with the secret shown once added.',
  slack: "The Slack app's incoming-webhook URL.",
  email: 'One or more addresses, separated by commas.',
};

/** A text field of the form ('' when absent; files are not expected here). */
const field = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
};

/**
 * Admins: where approvals are announced (webhook, Slack, e-mail) and how deliveries went.
 * Rules pick channels with `notify: [name]`; a channel can also follow agents.
 */
export function ChannelsPanel({ now }: { now: number }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const channels = useQuery(trpc.channels.list.queryOptions());
  const deliveries = useQuery(trpc.channels.deliveries.queryOptions({ limit: 8 }));
  const [kind, setKind] = useState<Kind>('webhook');
  const [secret, setSecret] = useState<string | null>(null);
  /** The channel whose removal awaits a second click (nobody is told there once it is gone). */
  const [confirming, setConfirming] = useState<string | null>(null);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: trpc.channels.pathKey() });
  };
  const create = useMutation(
    trpc.channels.create.mutationOptions({
      onSuccess: (r) => {
        setSecret(r.secret);
        toast({ kind: 'success', title: `Channel ${r.channel.name} added` });
      },
      onError: (e) => toast({ kind: 'error', title: 'Channel not added', body: e.message }),
      onSettled: refresh,
    }),
  );
  const remove = useMutation(
    trpc.channels.remove.mutationOptions({
      onError: (e) => toast({ kind: 'error', title: 'Channel not removed', body: e.message }),
      onSettled: () => {
        setConfirming(null);
        refresh();
      },
    }),
  );
  const test = useMutation(
    trpc.channels.test.mutationOptions({
      onSuccess: () => toast({ kind: 'info', title: 'Test message queued' }),
      onSettled: () => setTimeout(refresh, 1500),
    }),
  );

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const name = field(form, 'name').trim();
    const target = field(form, 'target').trim();
    const agents = field(form, 'agents')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const signingSecret = field(form, 'signingSecret').trim() || undefined;
    const list = target
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const formElement = e.currentTarget;
    create.mutate(
      kind === 'email'
        ? { name, kind, to: list, agents }
        : kind === 'slack'
          ? { name, kind, url: target, signingSecret, agents }
          : { name, kind, url: target, agents },
      // Emptied once added, so a second click doesn't try the same channel again; kept on an error.
      { onSuccess: () => formElement.reset() },
    );
  };

  return (
    <section className="card mt-6" aria-labelledby="channels-title">
      <h2 id="channels-title" className="mb-1 flex items-center gap-2 font-bold">
        <BellRing className="size-4" aria-hidden /> Notification channels
      </h2>
      <p className="mb-3 text-xs muted">
        Approvals are announced here with approve/deny links. Rules choose channels with{' '}
        <code>notify: [name]</code>.
      </p>
      <ul className="mb-3 space-y-2" aria-label="Channels">
        {(channels.data ?? []).map((c) => (
          <li
            key={c.name}
            data-testid="channel"
            className="flex flex-wrap items-center gap-2 text-sm"
          >
            <span className="font-bold">{c.name}</span>
            <span className="muted">
              {c.kind}
              {c.interactive ? ' (buttons)' : ''} → {c.target}
              {c.agents.length ? ` · follows ${c.agents.join(', ')}` : ''}
            </span>
            <button
              type="button"
              className="btn btn-ghost ml-auto"
              onClick={() => test.mutate({ name: c.name })}
              aria-label={`Send a test message to ${c.name}`}
            >
              <Send className="size-4" aria-hidden />
            </button>
            {confirming === c.name ? (
              <span
                className="inline-flex items-center gap-1"
                role="group"
                aria-label={`Remove ${c.name}?`}
              >
                <span className="muted">remove?</span>
                <button
                  type="button"
                  className="btn btn-block"
                  disabled={remove.isPending}
                  onClick={() => remove.mutate({ name: c.name })}
                  aria-label={`Confirm removing ${c.name}`}
                >
                  Remove
                </button>
                <button type="button" className="btn btn-ghost" onClick={() => setConfirming(null)}>
                  Keep
                </button>
              </span>
            ) : (
              <button
                type="button"
                className="btn btn-ghost"
                onClick={() => setConfirming(c.name)}
                aria-label={`Remove ${c.name}`}
              >
                <Trash2 className="size-4" aria-hidden />
              </button>
            )}
          </li>
        ))}
      </ul>
      {secret && (
        <p data-testid="channel-secret" className="mb-3 rounded-xl bg-review-soft p-2 text-xs">
          Signing secret, shown once (verify <code>X-Aegis-Signature</code> with it):{' '}
          <code className="break-all">{secret}</code>
        </p>
      )}
      <form
        onSubmit={submit}
        className="grid gap-3 text-sm sm:grid-cols-2"
        aria-label="Add a channel"
      >
        <Field
          label="Channel name"
          help={
            <>
              Rules name it in <code>notify: [name]</code>.
            </>
          }
        >
          {(props) => (
            <input {...props} name="name" required placeholder="ops" className="input w-full" />
          )}
        </Field>
        <Field label="Kind">
          {(props) => (
            <select
              {...props}
              value={kind}
              onChange={(e) => setKind(e.target.value as Kind)}
              className="input w-full"
            >
              <option value="webhook">webhook</option>
              <option value="slack">Slack</option>
              <option value="email">e-mail</option>
            </select>
          )}
        </Field>
        <Field label={kind === 'email' ? 'Addresses' : 'URL'} help={TARGET_HELP[kind]}>
          {(props) => (
            <input
              {...props}
              name="target"
              required
              placeholder={PLACEHOLDER[kind]}
              className="input w-full"
            />
          )}
        </Field>
        {kind === 'slack' && (
          <Field
            label="Slack signing secret (optional)"
            help="From the Slack app's Basic Information page; with it, messages get approve/deny buttons."
          >
            {(props) => <input {...props} name="signingSecret" className="input w-full" />}
          </Field>
        )}
        <Field
          label="Agents to follow (optional)"
          help="Agent names, separated by commas: their approvals come here even if no rule names the channel."
        >
          {(props) => (
            <input
              {...props}
              name="agents"
              placeholder="loan_processor, fraud_detection"
              className="input w-full"
            />
          )}
        </Field>
        <div className="sm:col-span-2">
          <button type="submit" className="btn btn-primary" disabled={create.isPending}>
            Add
          </button>
        </div>
      </form>
      {(deliveries.data ?? []).length > 0 && (
        <table className="mt-4 w-full text-left text-xs" aria-label="Recent deliveries">
          <thead className="muted">
            <tr>
              <th className="py-1">When</th>
              <th>Channel</th>
              <th>Event</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {(deliveries.data ?? []).map((d) => (
              <tr key={d.id} data-testid="delivery">
                <td className="py-1">
                  <Ago iso={d.createdAt} now={now} />
                </td>
                <td>{d.channel}</td>
                <td>
                  {d.event}
                  {d.approvalId ? ` #${d.approvalId}` : ''}
                </td>
                <td className={d.status === 'failed' ? 'font-bold text-block' : ''}>{d.status}</td>
                <td>{d.attempts}</td>
                <td className="wrap-anywhere">{d.lastError ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
