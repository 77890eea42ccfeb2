import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../lib/trpc';

/** Who is signed in, and what the role lets them do (the server enforces it regardless). */
export function usePrincipal() {
  const trpc = useTRPC();
  const { data } = useQuery({ ...trpc.health.whoami.queryOptions(), staleTime: Infinity });
  const role = data?.role;
  return {
    principal: data,
    canReview: role === 'reviewer' || role === 'admin',
    isAdmin: role === 'admin',
  };
}
