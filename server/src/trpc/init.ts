import { initTRPC, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError, z } from 'zod';
import { DomainError } from '@aegis/shared';
import { jsonDepth, MAX_JSON_DEPTH } from '../auth/jsonDepth';
import { procedureSpan } from '../observability/tracing';
import type { Context } from './context';
import { aegisCodeOf, toTRPCError } from './errors';

/**
 * The one initTRPC of the server. Errors carry zod's flattened issues so a client sees which
 * field was wrong, and the domain reason (`cause.message`) when a procedure gives one.
 */
const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    // SSE: a ping every 10 s keeps proxies from closing idle streams and lets a client notice a
    // dead server; the client reconnects (with its last event id) after 25 s of silence.
    sse: {
      ping: { enabled: true, intervalMs: 10_000 },
      client: { reconnectAfterInactivityMs: 25_000 },
    },
    errorFormatter({ shape, error }) {
      const zodError = error.cause instanceof ZodError ? z.flattenError(error.cause) : null;
      return {
        ...shape,
        data: {
          ...shape.data,
          // never leak stack traces to clients
          stack: undefined,
          zodError,
          // the domain's reason (UNKNOWN_AGENT, ALREADY_DECIDED, …) when a service refused
          aegisCode: aegisCodeOf(error),
        },
      };
    },
  });

export const router = t.router;
export const middleware = t.middleware;
export const createCallerFactory = t.createCallerFactory;
/**
 * Under every procedure, as one middleware (tRPC copies its options object at every `.use()`,
 * a measurable share of a decision's CPU, bench/README.md):
 * - inputs nested deeper than MAX_JSON_DEPTH are refused before anything walks them: redaction,
 *   canonical JSON and BSON all recurse, and a 20,000-deep array would overflow the stack;
 * - a service's DomainError becomes the tRPC error its code names (trpc/errors.ts);
 * - store errors caused by the input (a duplicate key, a value mongoose cannot cast) become 4xx
 *   answers instead of 500s. Services already map the cases they expect; this catches the rest.
 */
const guardProcedure = t.middleware(function guardProcedure({
  ctx,
  path,
  type,
  getRawInput,
  next,
}) {
  // A span per procedure call, continuing the caller's trace (a no-op unless tracing is on).
  return procedureSpan(path, type, ctx.req?.headers ?? ctx.headers, async () => {
    const raw = await getRawInput();
    if (
      raw !== null &&
      typeof raw === 'object' &&
      jsonDepth(raw, MAX_JSON_DEPTH) > MAX_JSON_DEPTH
    ) {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: `input: nested deeper than ${MAX_JSON_DEPTH} levels`,
      });
    }
    const result = await next();
    if (result.ok || result.error.code !== 'INTERNAL_SERVER_ERROR') return result;
    const cause: unknown = result.error.cause;
    if (cause instanceof DomainError) throw toTRPCError(cause);
    const name = (cause as { name?: unknown } | undefined)?.name;
    if ((cause as { code?: unknown } | undefined)?.code === 11000) {
      throw new TRPCError({ code: 'CONFLICT', message: 'That already exists', cause });
    }
    if (name === 'CastError' || name === 'ValidationError' || name === 'StrictModeError') {
      throw new TRPCError({ code: 'BAD_REQUEST', message: (cause as Error).message, cause });
    }
    return result;
  });
});

export const baseProcedure = t.procedure.use(guardProcedure);
