import { TRPCError } from '@trpc/server';
import { hasRole, mayActAs, type Principal, type Role } from '@aegis/shared';
import { baseProcedure, middleware } from './init';

// baseProcedure (init.ts) refuses too-deep inputs and maps store errors under every procedure.
// The builders below add one middleware each: tRPC copies its options at every `.use()`.

/** Health and the login exchange: the only procedures open without a principal. */
export const publicProcedure = baseProcedure;

const requirePrincipal = middleware(function requirePrincipal({ ctx, next }) {
  if (!ctx.principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'An API key or a dashboard session is required' });
  // tRPC merges this into the context; naming the principal narrows its type
  return next({ ctx: { principal: ctx.principal } });
});

/** The caller, if it holds the role (or a higher one). */
function withRole(principal: Principal | null, needed: Exclude<Role, 'agent'>): Principal {
  if (!principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'An API key or a dashboard session is required' });
  if (!hasRole(principal, needed)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `This needs the ${needed} role; you are ${principal.role}` });
  }
  return principal;
}

function requireRole(needed: Exclude<Role, 'agent'>) {
  return middleware(function requireRole({ ctx, next }) {
    return next({ ctx: { principal: withRole(ctx.principal, needed) } });
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
    const principal = withRole(ctx.principal, 'viewer');
    ctx.auth.limitTrials?.(principal, ctx.setHeader);
    return next({ ctx: { principal } });
  }),
);

/** The caller as an SDK principal: an agent key, or an admin acting for any agent. */
function agentPrincipal(principal: Principal | null): Principal {
  if (!principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'An API key is required' });
  if (principal.role !== 'agent' && principal.role !== 'admin') {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'SDK calls need an agent key' });
  }
  return principal;
}

/** SDK procedures: agent keys (for their own agents, checked by assertActsAs) and admins. */
export const agentProcedure = baseProcedure.use(
  middleware(function requireAgentKey({ ctx, next }) {
    return next({ ctx: { principal: agentPrincipal(ctx.principal) } });
  }),
);

/**
 * sdk.decide: an agent procedure with a per-principal rate limit (HTTP 429 + Retry-After), in one
 * middleware rather than agentProcedure's plus another: this is the call on every tool's path.
 */
export const decideProcedure = baseProcedure.use(
  middleware(function requireAgentKeyWithinRate({ ctx, next }) {
    const principal = agentPrincipal(ctx.principal);
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
