/**
 * Canonical JSON: object keys sorted, no whitespace, so equal arguments hash equally whatever
 * order a client serialised them in. Approvals and the audit hash chain are bound to this form.
 * Values that JSON cannot represent (undefined, functions) are dropped the way JSON.stringify drops them.
 * Every own key counts, `__proto__` included: the copies are null-prototype objects, on which
 * `__proto__` is an ordinary key (on a plain `{}` assigning it would set the prototype instead, and
 * `{"to":"alice","__proto__":{"to":"mallory"}}` would hash like `{"to":"alice"}`).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    if (value instanceof Date) return value.toISOString();
    const out = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value).sort()) {
      out[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}
