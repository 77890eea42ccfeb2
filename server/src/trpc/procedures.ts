import { TRPCError } from '@trpc/server';
import { hasRole, mayActAs, type Principal, type Role } from '@aegis/shared';
import { credentialOf } from '../auth/credentials';
import type { Context } from './context';
import { baseProcedure, middleware } from './init';

// baseProcedure (init.ts) refuses too-deep inputs and maps store errors under every procedure.
// The builders below add one middleware each: tRPC copies its options at every `.use()`.

/** Health and the login exchange: the only procedures open without a principal. */
export const publicProcedure = baseProcedure;

/**
 * The refusal of a request without a valid credential, saying which case it is: "a key is
 * required" read as nonsense to someone who sent one (a typo, a revoked key). It names only what
 * the request itself carried, so it tells a caller nothing about which keys exist.
 */
function unauthenticated(
  ctx: Pick<Context, 'req' | 'headers'>,
  none = 'An API key or a dashboard session is required',
): TRPCError {
  const headers = ctx.req?.headers ?? ctx.headers;
  const sent = headers ? credentialOf({ headers }) : null;
  const message =
    sent?.kind === 'key'
      ? 'The API key was not accepted: it is unknown, revoked or expired (check the key you sent, e.g. AEGIS_API_KEY)'
      : sent?.kind === 'session'
        ? // A live session lands here too where sessions don't count (REST changes need a key).
          'The dashboard session was not accepted: it has ended, or this request needs an API key ("Authorization: Bearer <key>")'
        : sent?.kind === 'invalid'
          ? 'The Authorization header is malformed: send "Authorization: Bearer <key>"'
          : none;
  return new TRPCError({ code: 'UNAUTHORIZED', message });
}

const requirePrincipal = middleware(function requirePrincipal({ ctx, next }) {
  if (!ctx.principal) throw unauthenticated(ctx);
  // tRPC merges this into the context; naming the principal narrows its type
  return next({ ctx: { principal: ctx.principal } });
});

/** The caller, if it holds the role (or a higher one). */
function withRole(ctx: Context, needed: Exclude<Role, 'agent'>): Principal {
  const { principal } = ctx;
  if (!principal) throw unauthenticated(ctx);
  if (!hasRole(principal, needed)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `This needs the ${needed} role; you are ${principal.role}` });
  }
  return principal;
}

function requireRole(needed: Exclude<Role, 'agent'>) {
  return middleware(function requireRole({ ctx, next }) {
    return next({ ctx: { principal: withRole(ctx, needed) } });
  });
}

/** Any authenticated principal (people and agent keys). */
export const authedProcedure = baseProcedure.use(requirePrincipal);
/** People who may read: viewer, reviewer, admin. */
export const viewerProcedure = baseProcedure.use(requireRole('viewer'));
/** People who may decide approvals and flip kill-switches. */
export const reviewerProcedure = baseProcedure.use(requireRole('reviewer'));
/** People who may change policy, keys and seed the demo. */
export const adminProcedure = baseProcedure.use(requireRole('admin'));

/**
 * Policy trials: viewers and up, within a per-principal rate (HTTP 429 + Retry-After), since each
 * compiles and evaluates a draft on the event loop.
 */
export const trialProcedure = baseProcedure.use(
  middleware(function requireViewerWithinTrialRate({ ctx, next }) {
    const principal = withRole(ctx, 'viewer');
    ctx.auth.limitTrials?.(principal, ctx.setHeader);
    return next({ ctx: { principal } });
  }),
);

/** The caller as an SDK principal: an agent key, or an admin acting for any agent. */
function agentPrincipal(ctx: Context): Principal {
  const { principal } = ctx;
  if (!principal) throw unauthenticated(ctx, 'An API key is required');
  if (principal.role !== 'agent' && principal.role !== 'admin') {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'SDK calls need an agent key' });
  }
  return principal;
}

/** SDK procedures: agent keys (for their own agents, checked by assertActsAs) and admins. */
export const agentProcedure = baseProcedure.use(
  middleware(function requireAgentKey({ ctx, next }) {
    return next({ ctx: { principal: agentPrincipal(ctx) } });
  }),
);

/**
 * sdk.decide: an agent procedure with a per-principal rate limit (HTTP 429 + Retry-After), in one
 * middleware rather than agentProcedure's plus another: this is the call on every tool's path.
 */
export const decideProcedure = baseProcedure.use(
  middleware(function requireAgentKeyWithinRate({ ctx, next }) {
    const principal = agentPrincipal(ctx);
    ctx.auth.limitDecide?.(principal, ctx.setHeader);
    return next({ ctx: { principal } });
  }),
);

/** An agent key may only act for the agents it is scoped to. */
export function assertActsAs(principal: Principal, agent: string): void {
  if (!mayActAs(principal, agent)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `This key may not act for agent "${agent}"` });
  }
}
