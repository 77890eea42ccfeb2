// No imports: the dashboard loads this file alone (`@aegis/shared/pinDiff`), not the whole package.

/** One field of a tool definition that changed: its JSON lines only before, and only after. */
export interface PinDiffField {
  field: string;
  removed: string[];
  added: string[];
}

/** Per field of a pinned definition, the JSON lines that differ between the old and new version. */
export function pinDiff(
  was: Record<string, unknown>,
  now: Record<string, unknown>,
): PinDiffField[] {
  const out: PinDiffField[] = [];
  for (const field of new Set([...Object.keys(was), ...Object.keys(now)])) {
    const a = JSON.stringify(was[field] ?? null, null, 2).split('\n');
    const b = JSON.stringify(now[field] ?? null, null, 2).split('\n');
    if (a.join('\n') === b.join('\n')) continue;
    const inA = new Set(a);
    const inB = new Set(b);
    out.push({ field, removed: a.filter((l) => !inB.has(l)), added: b.filter((l) => !inA.has(l)) });
  }
  return out;
}
