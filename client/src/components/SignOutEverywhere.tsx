import { useState } from 'react';
import { errorMessage } from '../lib/errors';
import { Dialog } from './Dialog';
import { useSignOut } from '../hooks/useSignOut';

/**
 * The signed-in name in the header, which opens "sign out everywhere": every dashboard session
 * opened with this key ends, on every server (a browser left signed in elsewhere, a copied
 * cookie), this one too, while the key itself keeps working — where the alternative was revoking
 * the key (impossible for the last admin key, which the start-up login link uses).
 */
export function SignOutEverywhere({ name, role }: { name: string; role: string }) {
  const [open, setOpen] = useState(false);
  const everywhere = useSignOut({ always: false });
  return (
    <>
      <button
        type="button"
        className="hidden rounded px-1 text-xs hover:underline sm:inline muted"
        data-testid="whoami"
        aria-haspopup="dialog"
        title="Your dashboard sessions"
        onClick={() => setOpen(true)}
      >
        {name} · <span className="font-semibold">{role}</span>
      </button>
      <Dialog open={open} onClose={() => setOpen(false)} labelledBy="sign-out-everywhere-title">
        <h2 id="sign-out-everywhere-title" className="text-lg font-bold wrap-anywhere">
          Signed in as {name} ({role})
        </h2>
        <p className="mt-3 text-sm">
          <strong>Sign out everywhere</strong> ends every dashboard session opened with this key, on
          every Aegis server: other browsers, other devices, a session left open — and this one. The
          key itself keeps working; it is recorded in the audit log.
        </p>
        {everywhere.error && (
          <p role="alert" className="mt-3 text-sm font-semibold text-block-ink dark:text-red-300">
            Not signed out: {errorMessage(everywhere.error)}
          </p>
        )}
        <div className="mt-5 flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <button type="button" className="btn btn-ghost" onClick={() => setOpen(false)} autoFocus>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-block"
            disabled={everywhere.isPending}
            onClick={() => everywhere.mutate({ everywhere: true })}
          >
            Sign out everywhere
          </button>
        </div>
      </Dialog>
    </>
  );
}
