import { TRPCError } from '@trpc/server';
import { hasRole, mayActAs, type Principal, type Role } from '@aegis/shared';
import { jsonDepth, MAX_JSON_DEPTH } from '../auth/jsonDepth';
import { baseProcedure as unguardedProcedure, middleware } from './init';

/**
 * Every procedure refuses inputs nested deeper than MAX_JSON_DEPTH before anything walks them:
 * redaction, canonical JSON and BSON all recurse, and a 20,000-deep array would overflow the stack.
 */
const baseProcedure = unguardedProcedure.use(async function limitInputDepth({ getRawInput, next }) {
  const raw = await getRawInput();
  if (raw !== null && typeof raw === 'object' && jsonDepth(raw, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: `input: nested deeper than ${MAX_JSON_DEPTH} levels` });
  }
  return next();
});

/** Health and the login exchange: the only procedures open without a principal. */
export const publicProcedure = baseProcedure;

const requirePrincipal = middleware(function requirePrincipal({ ctx, next }) {
  if (!ctx.principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'An API key or a dashboard session is required' });
  return next({ ctx: { ...ctx, principal: ctx.principal } });
});

function requireRole(needed: Exclude<Role, 'agent'>) {
  return middleware(function requireRole({ ctx, next }) {
    const principal = ctx.principal;
    if (!principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'An API key or a dashboard session is required' });
    if (!hasRole(principal, needed)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `This needs the ${needed} role; you are ${principal.role}` });
    }
    return next({ ctx: { ...ctx, principal } });
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

/** SDK procedures: agent keys (for their own agents, checked by assertActsAs) and admins. */
export const agentProcedure = baseProcedure.use(
  middleware(function requireAgentKey({ ctx, next }) {
    const principal = ctx.principal;
    if (!principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'An API key is required' });
    if (principal.role !== 'agent' && principal.role !== 'admin') {
      throw new TRPCError({ code: 'FORBIDDEN', message: 'SDK calls need an agent key' });
    }
    return next({ ctx: { ...ctx, principal } });
  }),
);

/** sdk.decide: an agent procedure with a per-principal rate limit (HTTP 429 + Retry-After). */
export const decideProcedure = agentProcedure.use(function rateLimitDecide({ ctx, next }) {
  ctx.auth.limitDecide?.(ctx.principal, ctx.setHeader);
  return next();
});

/** An agent key may only act for the agents it is scoped to. */
export function assertActsAs(principal: Principal, agent: string): void {
  if (!mayActAs(principal, agent)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `This key may not act for agent "${agent}"` });
  }
}
