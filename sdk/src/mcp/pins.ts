import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { canonicalJson, pinShapeMatch } from '@aegis/shared';
import type { Aegis } from '../client';
import { toAegisError } from '../serverErrors';

/**
 * Tool pinning against rug-pulls and tool poisoning: the first `tools/list` of each upstream is
 * pinned (trust on first use; `holdFirstList` holds it too), one hash per tool over everything the
 * gateway relays — what the model reads or the policy trusts (name, title, description, input and
 * output schema, annotations, icons, `_meta`, execution; see {@link relayedPart}). A
 * tool whose hash later differs is held — hidden from clients and refused — until a person accepts
 * the new version (on the dashboard, or `aegis mcp pins accept`), which shows the diff first. So
 * is a tool that appears after that first list: an upstream that grows `export_all_customers`
 * mid-session gets nothing trusted on first sight.
 *
 * By default the pins live in Aegis's database ({@link serverPins}), so every gateway holds the
 * same tools; {@link PinStore} keeps them in a local file instead (`--pins FILE`).
 */

/** The tools of one list to hold: changed since they were pinned, or never pinned (new). */
export interface HeldTools {
  changed: string[];
  new: string[];
}

/** How a pin store treats the agent's first list of an upstream. */
export interface PinOptions {
  /**
   * Hold even the tools of the first list until a person accepts them, instead of pinning them
   * as they are (trust on first use).
   * @defaultValue false
   */
  holdFirstList?: boolean;
}

/** Where a gateway session checks an upstream's tools against their pins. */
export interface ToolPins {
  /** The tools of `tools` to hold. Throws when it can't tell. */
  changed(
    session: { aegis: Aegis; agent: string },
    upstream: string,
    tools: Tool[],
  ): Promise<HeldTools>;
}

/** Pins in Aegis's database, shared by every gateway (`toolPins.check` with the session's agent key). */
export function serverPinsWith(options: PinOptions = {}): ToolPins {
  return {
    async changed({ aegis, agent }, upstream, tools) {
      try {
        const { held, heldNew = [] } = await aegis.api.toolPins.check.mutate({
          agent,
          upstream,
          tools: tools.map((tool) => ({ name: tool.name, definition: pinnedPart(tool) })),
          ...(options.holdFirstList ? { holdFirstList: true } : {}),
        });
        const isNew = new Set(heldNew);
        return { changed: held.filter((t) => !isNew.has(t)), new: heldNew };
      } catch (error) {
        throw toAegisError(error, { agent });
      }
    },
  };
}

/** {@link serverPinsWith} with the defaults: an upstream's first list is pinned as it is. */
export const serverPins: ToolPins = serverPinsWith();

/**
 * The fields of an upstream's tool the gateway relays to its clients: each is pinned, and
 * anything else (a field a later MCP version adds) is dropped, so nothing unpinned reaches the
 * model. `title`, `icons`, `_meta` and `execution` were relayed but not pinned before attack
 * review 7: an upstream could retitle a pinned tool unnoticed.
 */
export function relayedPart(tool: Tool): Tool {
  const { name, title, description, inputSchema, outputSchema, annotations, icons, _meta } = tool;
  const { execution } = tool;
  const optional = { title, description, outputSchema, annotations, icons, _meta, execution };
  const present = Object.entries(optional).filter(([, value]) => value !== undefined);
  return { name, inputSchema, ...Object.fromEntries(present) };
}

/**
 * The part of a tool definition that is pinned: everything {@link relayedPart} relays. The
 * fields pinned since review 7 (PIN_FIELDS_ADDED_V2) appear only when the tool has them, so a
 * tool without them hashes as its pin from before did.
 */
export function pinnedPart(tool: Tool): Record<string, unknown> {
  const { title, icons, _meta, execution } = relayedPart(tool);
  const added = Object.entries({ title, icons, _meta, execution }).filter(
    ([, value]) => value !== undefined,
  );
  return {
    name: tool.name,
    description: tool.description ?? '',
    inputSchema: tool.inputSchema,
    outputSchema: tool.outputSchema ?? null,
    annotations: tool.annotations ?? null,
    ...Object.fromEntries(added),
  };
}

export function toolHash(tool: Tool): string {
  return createHash('sha256')
    .update(canonicalJson(pinnedPart(tool)))
    .digest('hex');
}

const pin = z.object({
  hash: z.string(),
  at: z.string(),
  definition: z.record(z.string(), z.unknown()),
});
const pinFile = z.object({
  version: z.literal(1),
  upstreams: z.record(
    z.string(),
    z.object({
      pinned: z.record(z.string(), pin),
      /** Changed (or new, never pinned) versions seen, waiting for a person to accept them. */
      held: z.record(z.string(), pin).default({}),
    }),
  ),
});
export type PinFile = z.infer<typeof pinFile>;
export type Pin = z.infer<typeof pin>;

/** What a check found: tools to hide (changed since pinned, or new: `was` null) and tools pinned just now. */
export interface PinCheck {
  held: Array<{ tool: string; was: Pin | null; now: Pin }>;
  added: string[];
}

/** Whether a pin stored before PIN_FIELDS_ADDED_V2 were pinned matches `now` in every field it covered. */
function upgradesPin(was: Pin, now: Pin): boolean {
  return pinShapeMatch(canonicalJson(was.definition), canonicalJson(now.definition)) === 'upgrade';
}

/** The pins of every upstream, kept in one JSON file (written atomically): one gateway's own. */
export class PinStore implements ToolPins {
  private state: PinFile | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly options: PinOptions = {},
  ) {}

  private async load(): Promise<PinFile> {
    if (this.state) return this.state;
    const text = await readFile(this.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    this.state = text === null ? { version: 1, upstreams: {} } : pinFile.parse(JSON.parse(text));
    return this.state;
  }

  private async save(state: PinFile): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
    await rename(temp, this.file);
  }

  /** Serialised, so concurrent sessions never lose each other's pins. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Compares an upstream's tools with its pins. The first list of an upstream pins everything
   * (unless `holdFirstList`); later, a changed tool is held, and so is one never seen before.
   */
  check(upstream: string, tools: Tool[]): Promise<PinCheck> {
    return this.exclusive(async () => {
      // Re-read: `aegis mcp pins accept` may have changed the file meanwhile.
      this.state = null;
      const state = await this.load();
      const entry = (state.upstreams[upstream] ??= { pinned: {}, held: {} });
      const firstList =
        !this.options.holdFirstList &&
        Object.keys(entry.pinned).length + Object.keys(entry.held).length === 0;
      const result: PinCheck = { held: [], added: [] };
      const at = new Date().toISOString();
      let dirty = false;
      for (const tool of tools) {
        const now: Pin = { hash: toolHash(tool), at, definition: pinnedPart(tool) };
        let was = entry.pinned[tool.name];
        if (was && was.hash !== now.hash && upgradesPin(was, now)) {
          // Pinned before title/icons/_meta were: re-pinned as seen, not held (see pinShapeMatch).
          entry.pinned[tool.name] = was = { ...now, at: was.at };
          dirty = true;
        }
        if (!was && firstList) {
          entry.pinned[tool.name] = now;
          result.added.push(tool.name);
          dirty = true;
        } else if (was?.hash !== now.hash) {
          const known = entry.held[tool.name];
          if (known?.hash !== now.hash) {
            entry.held[tool.name] = now;
            dirty = true;
          }
          result.held.push({
            tool: tool.name,
            was: was ?? null,
            now: known?.hash === now.hash ? known : now,
          });
        }
      }
      if (dirty) await this.save(state);
      return result;
    });
  }

  async changed(_session: unknown, upstream: string, tools: Tool[]): Promise<HeldTools> {
    const { held } = await this.check(upstream, tools);
    return {
      changed: held.filter((h) => h.was).map((h) => h.tool),
      new: held.filter((h) => !h.was).map((h) => h.tool),
    };
  }

  /** The held versions of an upstream's tools: changed, or new (`was` null). */
  async held(
    upstream?: string,
  ): Promise<Array<{ upstream: string; tool: string; was: Pin | null; now: Pin }>> {
    this.state = null;
    const state = await this.load();
    const out = [];
    for (const [name, entry] of Object.entries(state.upstreams)) {
      if (upstream && name !== upstream) continue;
      for (const [tool, now] of Object.entries(entry.held))
        out.push({ upstream: name, tool, was: entry.pinned[tool] ?? null, now });
    }
    return out;
  }

  /** A person accepts the held version of a tool (or of all an upstream's held tools). */
  accept(upstream: string, tool?: string): Promise<string[]> {
    return this.exclusive(async () => {
      this.state = null;
      const state = await this.load();
      const entry = state.upstreams[upstream];
      if (!entry) throw new Error(`no pins for upstream "${upstream}"`);
      const names = tool ? [tool] : Object.keys(entry.held);
      for (const name of names) {
        const held = entry.held[name];
        if (!held) throw new Error(`"${upstream}.${name}" has no changed version waiting`);
        entry.pinned[name] = held;
        delete entry.held[name];
      }
      await this.save(state);
      return names;
    });
  }
}
