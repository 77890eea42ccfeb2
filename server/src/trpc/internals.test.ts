import { describe, expect, it } from 'vitest';
import { appRouter } from '../routers/_app';
import { procedurePaths, routerConfig } from './internals';

/**
 * http/fastPath.ts answers like `/trpc` only while these two reads of tRPC's router internals
 * hold; a tRPC upgrade that moves them fails here, by name, not as a subtly different answer.
 */
describe('tRPC internals the fast path reads (trpc/internals.ts)', () => {
  it('the root config: our error formatter and the transformer', () => {
    const config = routerConfig(appRouter);
    expect(typeof config.errorFormatter).toBe('function');
    expect(typeof config.transformer.output.serialize).toBe('function');
  });

  it('every procedure with its type, by dotted path', () => {
    const paths = procedurePaths(appRouter);
    expect(paths.get('sdk.decide')).toBe('mutation');
    expect(paths.get('agents.list')).toBe('query');
    expect(paths.get('auth.login')).toBe('mutation');
    expect([...paths.values()]).toContain('subscription');
    expect(paths.size).toBeGreaterThan(20);
  });

  it('refuses a router whose internals are not what tRPC 11 has', () => {
    const broken = { _def: { procedures: { 'x.y': { _def: {} } } } } as unknown as typeof appRouter;
    expect(() => procedurePaths(broken)).toThrow(/tRPC changed/);
    expect(() => routerConfig({ _def: {} } as unknown as typeof appRouter)).toThrow(/tRPC changed/);
  });
});
