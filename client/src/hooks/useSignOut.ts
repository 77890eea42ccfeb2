import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { useTRPC } from '../lib/trpc';

/**
 * `auth.logout` (here, or `{ everywhere: true }`), then nothing cached survives and the page
 * goes to sign-in saying why. `always`: also when the call fails (signing out of this browser
 * must not depend on the server answering); otherwise only once it succeeded.
 */
export function useSignOut({ always }: { always: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const done = () => {
    qc.clear();
    void navigate('/login?reason=signedout', { replace: true });
  };
  return useMutation(
    trpc.auth.logout.mutationOptions(always ? { onSettled: done } : { onSuccess: done }),
  );
}
