import type { PinStore } from './pins';

/** Per field of the pinned definition: the old and new JSON lines where they differ. */
export function pinDiff(was: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const field of new Set([...Object.keys(was), ...Object.keys(now)])) {
    const a = JSON.stringify(was[field] ?? null, null, 2).split('\n');
    const b = JSON.stringify(now[field] ?? null, null, 2).split('\n');
    if (a.join('\n') === b.join('\n')) continue;
    const inB = new Set(b);
    const inA = new Set(a);
    out.push(`  ${field}:`);
    for (const line of a) if (!inB.has(line)) out.push(`  - ${line}`);
    for (const line of b) if (!inA.has(line)) out.push(`  + ${line}`);
  }
  return out;
}

/** `aegis mcp pins [UPSTREAM]` and `aegis mcp pins accept UPSTREAM [TOOL]`. */
export async function printPins(pins: PinStore, args: string[]): Promise<number> {
  if (args[0] === 'accept') {
    const [, upstream, tool] = args;
    if (!upstream) throw new Error('aegis mcp pins accept UPSTREAM [TOOL]');
    const accepted = await pins.accept(upstream, tool);
    process.stdout.write(
      accepted.length === 0
        ? `nothing waiting for ${upstream}\n`
        : `accepted: ${accepted.map((t) => `${upstream}.${t}`).join(', ')}\n`,
    );
    return 0;
  }
  const held = await pins.held(args[0]);
  if (held.length === 0) {
    process.stdout.write(`no tool has changed since it was pinned (${pins.file})\n`);
    return 0;
  }
  for (const h of held) {
    process.stdout.write(
      `${h.upstream}.${h.tool} changed (pinned ${h.was.at}, seen ${h.now.at}):\n`,
    );
    process.stdout.write(`${pinDiff(h.was.definition, h.now.definition).join('\n')}\n`);
  }
  process.stdout.write(`accept with: aegis mcp pins accept UPSTREAM [TOOL]\n`);
  return 0;
}
