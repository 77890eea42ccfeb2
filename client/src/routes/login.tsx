import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';
import { KeyRound, ShieldCheck } from 'lucide-react';
import { useTRPC } from '../lib/trpc';
import { errorMessage, isUnauthorized } from '../lib/errors';
import { ThemeToggle } from '../components/ThemeToggle';
import { usePageTitle } from '../hooks/usePageTitle';
import { afterLogin } from '../lib/loginPath';

const REASONS: Record<string, string> = {
  signin: 'Sign in to see the dashboard.',
  expired: 'Your session has ended (it expired, was revoked, or the server restarted with new keys). Please sign in again.',
  signedout: 'You are signed out.',
  revoked:
    'You revoked the key you were signed in with, so this session ended. Sign in with another admin key.',
};

/** One-time tokens are single-use: never send the same one twice (React may run effects twice). */
const usedTokens = new Set<string>();

/**
 * Sign-in: the link the server prints carries a one-time token that is exchanged automatically;
 * or paste an API key. Either way the server sets an httpOnly session cookie.
 */
export function LoginPage() {
  usePageTitle('Sign in');
  const trpc = useTRPC();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get('token');
  const reason = params.get('reason');
  const [key, setKey] = useState('');
  const keyInput = useRef<HTMLInputElement>(null);
  const login = useMutation({
    ...trpc.auth.login.mutationOptions({
      onSuccess: async () => {
        qc.clear();
        await navigate(afterLogin(params.get('next')), { replace: true });
      },
    }),
    meta: { silent: true },
  });

  useEffect(() => {
    if (token && !usedTokens.has(token)) {
      usedTokens.add(token);
      login.mutate({ token });
    }
  }, [token, login]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (key.trim()) login.mutate({ key: key.trim() });
  };

  return (
    <main className="grid min-h-screen place-items-center p-4">
      <div className="absolute top-3 right-3">
        <ThemeToggle />
      </div>
      <div className="card w-full max-w-md p-6">
        <h1 className="mb-1 flex items-center gap-2 text-2xl font-bold">
          <ShieldCheck className="size-7 text-allow-ink dark:text-allow" aria-hidden /> Aegis
        </h1>
        <p className="mb-4 text-sm muted">The firewall and flight recorder for your AI agents.</p>
        {reason && REASONS[reason] && !login.isPending && (
          <p role="status" className="mb-4 rounded-xl bg-neutral-100 p-3 text-sm dark:bg-neutral-800">
            {REASONS[reason]}
          </p>
        )}
        {login.isPending && token && <p role="status" className="mb-4 text-sm">Signing you in…</p>}
        {login.error && (
          <p role="alert" className="mb-4 rounded-xl bg-block-soft p-3 text-sm text-block-ink dark:bg-red-950 dark:text-red-300">
            {token && login.variables?.token && isUnauthorized(login.error)
              ? // One sentence, not ours and the server's generic one side by side.
                'This sign-in link was already used or has expired: paste an API key below, or restart Aegis for a new link.'
              : errorMessage(login.error)}
          </p>
        )}
        <form onSubmit={submit} className="space-y-3">
          <label className="block text-sm font-semibold" htmlFor="api-key">
            API key
          </label>
          <input
            id="api-key"
            ref={keyInput}
            type="password"
            autoComplete="off"
            className="input w-full font-mono"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            placeholder="Paste your API key"
          />
          <button type="submit" className="btn btn-primary w-full" disabled={login.isPending || !key.trim()}>
            <KeyRound className="size-4" aria-hidden /> Sign in
          </button>
        </form>
        <p className="mt-4 text-xs muted">
          Starting Aegis prints a one-time sign-in link (<code>{window.location.origin}/login?token=…</code>); open it, or paste
          the admin key from <code>admin.key</code> in the server’s data folder (<code>AEGIS_DATA_DIR</code>, <code>.aegis/</code> by default). Create other keys with <code>npm run aegis -- keys create --role viewer</code>.
        </p>
      </div>
    </main>
  );
}
