import type { AnyTRPCRouter } from '@trpc/server';

/**
 * The two things about a router that tRPC exposes to its own adapters but not as a public API,
 * read here and nowhere else (http/fastPath.ts uses them). internals.test.ts fails loudly when a
 * tRPC upgrade moves either, rather than the fast path answering differently from `/trpc`.
 */

type ProcedureType = 'query' | 'mutation' | 'subscription';

/** The router's root config (error formatter, transformer): what getTRPCErrorShape needs. */
export function routerConfig<R extends AnyTRPCRouter>(router: R): R['_def']['_config'] {
  const config = router._def._config;
  if (typeof config?.errorFormatter !== 'function' || !config.transformer) {
    throw new Error('tRPC changed: router._def._config has no errorFormatter/transformer');
  }
  return config;
}

/** Every procedure's dotted path with its type (tRPC keeps them flat; none of ours are lazy). */
export function procedurePaths(router: AnyTRPCRouter): Map<string, ProcedureType> {
  const found = new Map<string, ProcedureType>();
  const procedures = router._def.procedures as Record<string, { _def?: { type?: unknown } }>;
  for (const [path, procedure] of Object.entries(procedures)) {
    const type = procedure._def?.type;
    if (type !== 'query' && type !== 'mutation' && type !== 'subscription') {
      throw new Error(`tRPC changed: procedure ${path} has no known _def.type (${String(type)})`);
    }
    found.set(path, type);
  }
  return found;
}
