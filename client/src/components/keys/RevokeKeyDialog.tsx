import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { OctagonAlert } from 'lucide-react';
import { useTRPC } from '../../lib/trpc';
import { errorMessage } from '../../lib/errors';
import { toast } from '../../lib/toasts';
import { Dialog } from '../Dialog';
import { RoleBadge, scopeText, type ApiKey } from './roles';

interface Props {
  /** The key to revoke; the dialog is open while there is one. */
  target: ApiKey | null;
  /** The key this dashboard session was opened with. */
  ownKeyId: string;
  /** Whether `target` is the only active admin key (the server refuses to revoke it). */
  lastAdmin: boolean;
  onClose: () => void;
}

/**
 * Revoking asks first, naming the key. The server revokes the key the session was opened with
 * too (when another admin key exists), ending this session on the spot: that case says so loudly
 * and then goes to the sign-in page. The last admin key is refused by the server; the dialog says
 * why up front instead of offering a button that can only fail.
 */
export function RevokeKeyDialog({ target, ownKeyId, lastAdmin, onClose }: Props) {
  return (
    <Dialog open={target !== null} onClose={onClose} labelledBy="revoke-key-title">
      {target && (
        <Revoke
          target={target}
          own={target.id === ownKeyId}
          lastAdmin={lastAdmin}
          onClose={onClose}
        />
      )}
    </Dialog>
  );
}

function Revoke({
  target,
  own,
  lastAdmin,
  onClose,
}: {
  target: ApiKey;
  own: boolean;
  lastAdmin: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const revoke = useMutation({
    ...trpc.keys.revoke.mutationOptions({
      onSuccess: async (info) => {
        if (own) {
          // This session ended with its key: leave before the next request is refused.
          await navigate('/login?reason=revoked', { replace: true });
          qc.clear();
          return;
        }
        void qc.invalidateQueries({ queryKey: trpc.keys.list.queryKey() });
        toast({ kind: 'success', title: `Key “${info.name}” revoked` });
        onClose();
      },
    }),
    // The refusal is shown in the dialog, not as a toast behind it.
    meta: { silent: true },
  });

  return (
    <div>
      <h2 id="revoke-key-title" className="text-lg font-bold wrap-anywhere">
        Revoke “{target.name}”?
      </h2>
      <p className="mt-1 flex flex-wrap items-center gap-2 text-sm muted">
        <RoleBadge role={target.role} />
        <span className="wrap-anywhere">{scopeText(target)}</span>
        <span className="font-mono text-xs">{target.id}</span>
      </p>
      {lastAdmin ? (
        <p
          role="alert"
          className="mt-4 rounded-xl bg-neutral-100 p-3 text-sm dark:bg-neutral-800"
          data-testid="revoke-last-admin"
        >
          This is the only active admin key, and Aegis won’t revoke it: nobody could manage keys or
          policies any more. Create another admin key first.
        </p>
      ) : (
        <>
          {own && (
            <div
              role="alert"
              className="mt-4 flex gap-2 rounded-xl border-2 border-block-ink bg-block-soft p-3 text-sm text-block-ink dark:border-red-400 dark:bg-red-950 dark:text-red-200"
              data-testid="revoke-own-key"
            >
              <OctagonAlert className="mt-0.5 size-5 shrink-0" aria-hidden />
              <p>
                <strong>This is the key you are signed in with.</strong> Revoking it ends this
                dashboard session at once; you will need another admin key to sign in again.
              </p>
            </div>
          )}
          <p className="mt-4 text-sm">
            Anything using this key is refused from now on: agents and scripts calling with it, and
            every dashboard session opened with it. This can’t be undone.
          </p>
        </>
      )}
      {revoke.error && (
        <p role="alert" className="mt-3 text-sm font-semibold text-block-ink dark:text-red-300">
          Not revoked: {errorMessage(revoke.error)}
        </p>
      )}
      <div className="mt-5 flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <button type="button" className="btn btn-ghost" onClick={onClose} autoFocus>
          {lastAdmin ? 'Close' : 'Keep it'}
        </button>
        {!lastAdmin && (
          <button
            type="button"
            className="btn btn-block max-w-full"
            disabled={revoke.isPending}
            onClick={() => revoke.mutate({ id: target.id })}
          >
            <span className="min-w-0 wrap-anywhere">
              {own ? 'Revoke my key and sign out' : `Revoke “${target.name}”`}
            </span>
          </button>
        )}
      </div>
    </div>
  );
}
