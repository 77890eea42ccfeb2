import { pinDiff, terminalSafe, type ToolPin } from '@aegis/shared';
import type { Aegis } from '../client';
import { toAegisError } from '../serverErrors';
import type { PinStore } from './pins';

/** The diff of a changed tool, old and new JSON lines per field. */
function diffLines(was: Record<string, unknown>, now: Record<string, unknown>): string[] {
  return pinDiff(was, now).flatMap((f) => [
    `  ${f.field}:`,
    ...f.removed.map((l) => `  - ${l}`),
    ...f.added.map((l) => `  + ${l}`),
  ]);
}

// Tool definitions come from the upstream: their control characters must not reach the terminal.
const write = (text: string) => process.stdout.write(`${terminalSafe(text, ['\n'])}\n`);

/** Pins are per agent: whose gateways hold the tool (legacy pins predate that). */
const forAgent = (p: ToolPin) =>
  p.agent ? ` for agent ${p.agent}` : ' (pinned before pins were per agent)';

/**
 * `aegis mcp pins [UPSTREAM]` and `aegis mcp pins accept UPSTREAM [TOOL]` against Aegis's
 * database (the default, where every gateway pins, per agent): listing needs a viewer key,
 * accepting an admin key. Accepting takes the version shown (by its hash) of each agent's pin
 * listed, never a newer change.
 */
export async function serverPinsCommand(aegis: Aegis, args: string[]): Promise<number> {
  try {
    const accepting = args[0] === 'accept';
    const [upstream, tool] = accepting ? args.slice(1) : args;
    if (accepting && !upstream) throw new Error('aegis mcp pins accept UPSTREAM [TOOL]');
    const { pins } = await aegis.api.toolPins.list.query({ upstream, changedOnly: true });
    const waiting = pins.filter((p): p is ToolPin & { held: NonNullable<ToolPin['held']> } =>
      Boolean(p.held && (!tool || p.tool === tool)),
    );
    if (accepting) {
      if (waiting.length === 0) {
        write(`nothing waiting for ${upstream}${tool ? `.${tool}` : ''}`);
        return tool ? 1 : 0;
      }
      for (const p of waiting)
        await aegis.api.toolPins.accept.mutate({
          agent: p.agent,
          upstream: p.upstream,
          tool: p.tool,
          hash: p.held.hash,
        });
      write(`accepted: ${waiting.map((p) => `${p.upstream}.${p.tool}${forAgent(p)}`).join(', ')}`);
      return 0;
    }
    if (waiting.length === 0) {
      write('no tool has changed since it was pinned');
      return 0;
    }
    for (const p of waiting) {
      const seen = `seen ${p.held.at} by ${p.held.by ?? '?'}`;
      write(
        p.pinned
          ? `${p.upstream}.${p.tool}${forAgent(p)} changed (pinned ${p.pinned.at}, ${seen}):`
          : `${p.upstream}.${p.tool}${forAgent(p)} is new since the upstream was pinned (${seen}):`,
      );
      write(diffLines(p.pinned?.definition ?? {}, p.held.definition).join('\n'));
    }
    write('accept with: aegis mcp pins accept UPSTREAM [TOOL] (an admin key)');
    return 0;
  } catch (error) {
    throw toAegisError(error);
  }
}

/** The same commands on a local pins file (`--pins FILE`). */
export async function printPins(pins: PinStore, args: string[]): Promise<number> {
  if (args[0] === 'accept') {
    const [, upstream, tool] = args;
    if (!upstream) throw new Error('aegis mcp pins accept UPSTREAM [TOOL]');
    const accepted = await pins.accept(upstream, tool);
    write(
      accepted.length === 0
        ? `nothing waiting for ${upstream}`
        : `accepted: ${accepted.map((t) => `${upstream}.${t}`).join(', ')}`,
    );
    return 0;
  }
  const held = await pins.held(args[0]);
  if (held.length === 0) {
    write(`no tool has changed since it was pinned (${pins.file})`);
    return 0;
  }
  for (const h of held) {
    write(
      h.was
        ? `${h.upstream}.${h.tool} changed (pinned ${h.was.at}, seen ${h.now.at}):`
        : `${h.upstream}.${h.tool} is new since the upstream was pinned (seen ${h.now.at}):`,
    );
    write(diffLines(h.was?.definition ?? {}, h.now.definition).join('\n'));
  }
  write('accept with: aegis mcp pins accept UPSTREAM [TOOL]');
  return 0;
}
