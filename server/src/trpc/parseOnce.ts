import type { z } from 'zod';

/**
 * A schema's `parse`, memoized per input object. A live event reaches every subscriber as the
 * same object; validating (and stripping) it once instead of once per open stream keeps a write's
 * fan-out cost from growing with the schema's size times the number of dashboards open.
 * Parsed results are treated as immutable by their readers (tRPC only serializes them).
 */
export function parseOnce<S extends z.ZodType>(schema: S): (value: object) => z.output<S> {
  const parsed = new WeakMap<object, z.output<S>>();
  return (value) => {
    let out = parsed.get(value);
    if (out === undefined) {
      out = schema.parse(value);
      parsed.set(value, out);
    }
    return out;
  };
}
