import { initTRPC, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError, z } from 'zod';
import type { Context } from './context';

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
        },
      };
    },
  });

export const router = t.router;
export const middleware = t.middleware;
export const createCallerFactory = t.createCallerFactory;
/**
 * A safety net under every procedure: store errors caused by the input (a duplicate key, a value
 * mongoose cannot cast) become 4xx answers instead of 500s. Services already map the cases they
 * expect; this catches the ones they don't.
 */
const mapStoreErrors = t.middleware(async function mapStoreErrors({ next }) {
  const result = await next();
  if (result.ok || result.error.code !== 'INTERNAL_SERVER_ERROR') return result;
  const cause: unknown = result.error.cause;
  const name = (cause as { name?: unknown } | undefined)?.name;
  if ((cause as { code?: unknown } | undefined)?.code === 11000) {
    throw new TRPCError({ code: 'CONFLICT', message: 'That already exists', cause });
  }
  if (name === 'CastError' || name === 'ValidationError' || name === 'StrictModeError') {
    throw new TRPCError({ code: 'BAD_REQUEST', message: (cause as Error).message, cause });
  }
  return result;
});

export const baseProcedure = t.procedure.use(mapStoreErrors);
