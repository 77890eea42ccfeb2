import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { KeyRound, Lock, Plus } from 'lucide-react';
import { useTRPC } from '../lib/trpc';
import { errorCode } from '../lib/errors';
import { Ago } from '../components/Ago';
import { useNow } from '../hooks/useNow';
import { usePrincipal } from '../hooks/usePrincipal';
import { Cmd, EmptyState } from '../components/EmptyState';
import { PageHeader, QueryState } from '../components/QueryState';
import { CreateKeyDialog } from '../components/keys/CreateKeyDialog';
import { RevokeKeyDialog } from '../components/keys/RevokeKeyDialog';
import { RoleBadge, scopeText, type ApiKey } from '../components/keys/roles';

const TITLE = 'API keys';
const SUBTITLE =
  'Who and what may reach Aegis. People’s keys see every agent; agent keys act only for the agents they name.';

/** Newest first, the active keys before the revoked ones. */
function ordered(keys: ApiKey[]): ApiKey[] {
  const newest = (a: ApiKey, b: ApiKey) => b.createdAt.localeCompare(a.createdAt);
  return [
    ...keys.filter((k) => !k.revokedAt).sort(newest),
    ...keys.filter((k) => k.revokedAt).sort(newest),
  ];
}

/** Desktop column widths; a phone stacks each key as a small card instead. */
const COLUMNS =
  'md:grid md:grid-cols-[minmax(0,1.5fr)_5.5rem_minmax(0,1.5fr)_6.5rem_6.5rem_8.5rem] md:items-center md:gap-3';

function Label({ children }: { children: string }) {
  return <span className="text-xs muted md:sr-only">{children} </span>;
}

function KeyRow({
  apiKey: k,
  own,
  now,
  onRevoke,
}: {
  apiKey: ApiKey;
  own: boolean;
  now: number;
  onRevoke: () => void;
}) {
  const revoked = k.revokedAt !== null;
  return (
    <li
      data-testid="api-key"
      data-key-id={k.id}
      data-revoked={revoked}
      aria-label={`${k.name}${revoked ? ' (revoked)' : ''}`}
      className={`flex flex-col gap-1.5 rounded-xl border p-3 text-sm ${COLUMNS} ${
        revoked
          ? 'border-dashed border-neutral-300 bg-neutral-50 text-neutral-600 dark:border-neutral-700 dark:bg-neutral-950 dark:text-neutral-400'
          : 'border-neutral-200 bg-white dark:border-neutral-800 dark:bg-neutral-900'
      }`}
    >
      <div className="flex min-w-0 items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-x-2 gap-y-1">
            <span
              className={`font-semibold wrap-anywhere ${revoked ? 'text-neutral-600 line-through dark:text-neutral-400' : ''}`}
            >
              {k.name}
            </span>
            {own && (
              <span className="rounded-full bg-allow-soft px-2 py-0.5 text-xs font-semibold text-allow-ink dark:bg-green-950 dark:text-green-300">
                you are signed in with this key
              </span>
            )}
          </p>
          <p className="font-mono text-xs muted wrap-anywhere">{k.id}</p>
        </div>
        <span className="md:hidden">
          <RoleBadge role={k.role} />
        </span>
      </div>
      <div className="max-md:hidden">
        <span className="sr-only">Role </span>
        <RoleBadge role={k.role} />
      </div>
      <div className="min-w-0 wrap-anywhere">
        <Label>Agents</Label>
        {k.agents ? k.agents.join(', ') : <span className="muted">{scopeText(k)}</span>}
      </div>
      {/* A phone puts the times and the action on one line; a desktop gives each a column. */}
      <div className="flex flex-wrap items-center justify-between gap-2 md:contents">
        <div className="flex flex-wrap gap-x-4 gap-y-1 md:contents">
          <div>
            <Label>Created</Label>
            <Ago iso={k.createdAt} now={now} />
          </div>
          <div>
            <Label>Last used</Label>
            {k.lastUsedAt ? (
              <Ago iso={k.lastUsedAt} now={now} />
            ) : (
              <span className="muted">never</span>
            )}
          </div>
        </div>
        <div className="ml-auto md:text-right">
          {revoked ? (
            <span className="inline-flex items-center gap-1 rounded-full bg-neutral-200 px-2 py-0.5 text-xs font-semibold text-neutral-800 dark:bg-neutral-800 dark:text-neutral-200">
              Revoked <Ago iso={k.revokedAt!} now={now} />
            </span>
          ) : (
            <button
              type="button"
              className="btn btn-ghost"
              onClick={onRevoke}
              aria-label={`Revoke ${k.name}`}
            >
              Revoke…
            </button>
          )}
        </div>
      </div>
    </li>
  );
}

function AdminsOnly() {
  const { principal } = usePrincipal();
  return (
    <>
      <PageHeader title={TITLE} />
      <EmptyState title="Admins only" icon={Lock}>
        <p>
          API keys are created and revoked by admins
          {principal ? (
            <>
              ; you are signed in as {principal.name} ({principal.role})
            </>
          ) : null}
          . Ask an admin for a key, or to revoke one.
        </p>
      </EmptyState>
    </>
  );
}

/** Admins: every API key, creating one (its secret shown once) and revoking one. */
export function KeysPage() {
  const { principal, isAdmin } = usePrincipal();
  if (!isAdmin || !principal) return <AdminsOnly />;
  return <Keys ownKeyId={principal.keyId} />;
}

function Keys({ ownKeyId }: { ownKeyId: string }) {
  const trpc = useTRPC();
  const now = useNow(15_000);
  const list = useQuery(trpc.keys.list.queryOptions());
  // `?new=agent` (the empty Agents page's "Create an agent key") opens the dialog at once.
  const [params, setParams] = useSearchParams();
  const [creating, setCreating] = useState(() => params.get('new') === 'agent');
  const stopCreating = () => {
    setCreating(false);
    if (params.has('new')) {
      params.delete('new');
      setParams(params, { replace: true });
    }
  };
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [showRevoked, setShowRevoked] = useState(true);
  // The server refuses a non-admin; a role changed under an open page says so the same way.
  if (errorCode(list.error) === 'FORBIDDEN') return <AdminsOnly />;

  const keys = ordered(list.data ?? []);
  const active = keys.filter((k) => !k.revokedAt);
  const revokedCount = keys.length - active.length;
  const shown = showRevoked ? keys : active;
  const activeAdmins = active.filter((k) => k.role === 'admin').length;

  return (
    <>
      <PageHeader
        title={TITLE}
        subtitle={SUBTITLE}
        actions={
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            <Plus className="size-4" aria-hidden />
            New key
          </button>
        }
      />
      <QueryState query={list}>
        {keys.length === 0 ? (
          <EmptyState title="No API keys" icon={KeyRound}>
            Create one for each agent and each person, or with <Cmd>aegis keys create</Cmd>.
          </EmptyState>
        ) : (
          <>
            <div className="mb-3 flex flex-wrap items-center justify-between gap-2 text-sm">
              <p className="muted" data-testid="key-counts">
                {active.length} active · {revokedCount} revoked
              </p>
              {revokedCount > 0 && (
                <label className="flex items-center gap-2">
                  <input
                    type="checkbox"
                    checked={showRevoked}
                    onChange={(e) => setShowRevoked(e.target.checked)}
                  />
                  Show revoked keys
                </label>
              )}
            </div>
            <div aria-hidden className={`mb-1 hidden px-3 text-xs font-semibold muted ${COLUMNS}`}>
              <span>Name</span>
              <span>Role</span>
              <span>Agents</span>
              <span>Created</span>
              <span>Last used</span>
              <span />
            </div>
            <ul className="space-y-2" aria-label="API keys">
              {shown.map((k) => (
                <KeyRow
                  key={k.id}
                  apiKey={k}
                  own={k.id === ownKeyId}
                  now={now}
                  onRevoke={() => setRevoking(k)}
                />
              ))}
            </ul>
          </>
        )}
      </QueryState>
      <CreateKeyDialog open={creating} onClose={stopCreating} />
      <RevokeKeyDialog
        target={revoking}
        ownKeyId={ownKeyId}
        lastAdmin={revoking?.role === 'admin' && activeAdmins <= 1}
        onClose={() => setRevoking(null)}
      />
    </>
  );
}
