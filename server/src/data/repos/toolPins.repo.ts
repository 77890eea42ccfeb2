import type { Model } from 'mongoose';
import { pinShapeMatch, type ToolPin, type ToolPinVersion } from '@aegis/shared';
import type { ToolPinDoc } from '../models/toolPin.model';

/** A tool as one gateway listed it: the server's hash of its definition, and the definition. */
export interface SeenTool {
  name: string;
  hash: string;
  json: string;
}

export interface PinCheckOutcome {
  held: string[];
  /** Of `held`, the tools never pinned (they appeared after the upstream was first pinned). */
  heldNew: string[];
  added: string[];
  /**
   * Held versions no gateway had reported before: each is a governance event, recorded once.
   * `was` is null for a tool that was never pinned.
   */
  newlyHeld: Array<{ tool: string; was: string | null; now: string }>;
}

/** The driver's duplicate-key error (code 11000), however it was wrapped. */
function isDuplicateKey(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; depth++, e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === 11000) return true;
  }
  return false;
}

function version(hash: string, json: string, at: Date, by: string | null): ToolPinVersion {
  return {
    hash,
    definition: JSON.parse(json) as Record<string, unknown>,
    at: at.toISOString(),
    by,
  };
}

function toToolPin(doc: ToolPinDoc): ToolPin {
  return {
    agent: doc.agent ?? null,
    upstream: doc.upstream,
    tool: doc.tool,
    pinned:
      doc.hash && doc.definition && doc.pinnedAt
        ? version(doc.hash, doc.definition, doc.pinnedAt, doc.pinnedBy)
        : null,
    held:
      doc.heldHash && doc.heldDefinition && doc.heldAt
        ? version(doc.heldHash, doc.heldDefinition, doc.heldAt, doc.heldBy ?? null)
        : null,
  };
}

/** A legacy pin (no agent) taken over by one agent: its pinned version and any change held on it. */
function adopted(legacy: ToolPinDoc, agent: string): ToolPinDoc {
  const { _id: _ignored, ...fields } = legacy as ToolPinDoc & { _id?: unknown };
  return { ...fields, agent };
}

/** A tool of the agent's first list of an upstream: trusted as it is. */
function newPin(agent: string, upstream: string, tool: SeenTool, now: Date): ToolPinDoc {
  return {
    agent,
    upstream,
    tool: tool.name,
    hash: tool.hash,
    definition: tool.json,
    pinnedAt: now,
    pinnedBy: agent,
  };
}

/** A tool that appeared later: nothing trusted, its version held until an admin accepts it. */
function heldPin(agent: string, upstream: string, tool: SeenTool, now: Date): ToolPinDoc {
  return {
    agent,
    upstream,
    tool: tool.name,
    hash: null,
    definition: null,
    pinnedAt: null,
    pinnedBy: null,
    heldHash: tool.hash,
    heldDefinition: tool.json,
    heldAt: now,
    heldBy: agent,
  };
}

/** Pins before they were per agent: stored without `agent` (a query for null matches them). */
const LEGACY = null;

export function createToolPinsRepo(model: Model<ToolPinDoc>) {
  const col = model.collection;

  /**
   * A pin stored before `title`, `icons`, `_meta` and `execution` were pinned, and a tool that
   * matches it in everything else: re-pinned as seen (trusted as the first list was), rather than
   * held as changed after the upgrade. A gateway from before that change sending a tool that
   * matches a newer pin in the older fields: unchanged for it (it relays what it pinned).
   */
  async function matchesAcrossShapes(pin: ToolPinDoc, tool: SeenTool): Promise<boolean> {
    if (!pin.hash || !pin.definition) return false;
    const match = pinShapeMatch(pin.definition, tool.json);
    if (match === 'upgrade') {
      await col.updateOne(
        { agent: pin.agent, upstream: pin.upstream, tool: pin.tool, hash: pin.hash },
        { $set: { hash: tool.hash, definition: tool.json } },
      );
    }
    return match !== null;
  }

  return {
    /**
     * Compares a tools/list seen by one agent's gateway with that agent's pins: another agent's
     * pins are never read or written. Safe with several gateways and servers at once: a new tool
     * is pinned (or held) by a unique insert (a lost race reads the winner's pin), and a held
     * version is replaced only when it differs, so the same change is reported as new once. A
     * tool the agent has no pin for takes the legacy pin of the tool, if any, as its own (with a
     * change held on it still held), so what was trusted before the upgrade is neither re-pinned
     * nor dropped.
     *
     * Only the agent's first list of an upstream (no pin of it yet, legacy ones included) is
     * pinned as it is, unless `holdFirstList`: a tool that appears after that is held like a
     * changed one, since an upstream that grows `export_all_customers` mid-session is exactly what
     * pinning is there to catch.
     */
    async check(
      agent: string,
      upstream: string,
      tools: SeenTool[],
      now: Date,
      opts: { holdFirstList: boolean } = { holdFirstList: false },
    ): Promise<PinCheckOutcome> {
      const out: PinCheckOutcome = { held: [], heldNew: [], added: [], newlyHeld: [] };
      const stored = new Map<string, ToolPinDoc>();
      for (const doc of await model.find({ agent, upstream }).lean<ToolPinDoc[]>())
        stored.set(doc.tool, doc);
      let legacy: Map<string, ToolPinDoc> | null = null;
      for (const tool of tools) {
        let pin = stored.get(tool.name);
        if (!pin) {
          legacy ??= new Map(
            (await model.find({ agent: LEGACY, upstream }).lean<ToolPinDoc[]>()).map((d) => [
              d.tool,
              d,
            ]),
          );
          const old = legacy.get(tool.name);
          // Read before this list's own inserts: the whole first list is trusted, not its first tool.
          const trusted = !opts.holdFirstList && stored.size === 0 && legacy.size === 0;
          const doc: ToolPinDoc = old
            ? adopted(old, agent)
            : trusted
              ? newPin(agent, upstream, tool, now)
              : heldPin(agent, upstream, tool, now);
          try {
            await col.insertOne({ ...doc });
            if (!old) {
              if (trusted) out.added.push(tool.name);
              else {
                out.held.push(tool.name);
                out.heldNew.push(tool.name);
                out.newlyHeld.push({ tool: tool.name, was: null, now: tool.hash });
              }
              continue;
            }
            pin = doc;
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
            pin =
              (await model.findOne({ agent, upstream, tool: tool.name }).lean<ToolPinDoc>()) ??
              undefined;
            if (!pin) throw error;
          }
        }
        if (pin.hash === tool.hash) continue;
        if (await matchesAcrossShapes(pin, tool)) continue;
        out.held.push(tool.name);
        if (pin.hash === null) out.heldNew.push(tool.name);
        if (pin.heldHash === tool.hash) continue;
        const changed = await col.updateOne(
          { agent, upstream, tool: tool.name, hash: pin.hash, heldHash: pin.heldHash ?? null },
          { $set: { heldHash: tool.hash, heldDefinition: tool.json, heldAt: now, heldBy: agent } },
        );
        if (changed.modifiedCount > 0)
          out.newlyHeld.push({ tool: tool.name, was: pin.hash, now: tool.hash });
      }
      return out;
    },

    async list(filter: {
      agent?: string;
      upstream?: string;
      changedOnly?: boolean;
    }): Promise<ToolPin[]> {
      const query: Record<string, unknown> = {};
      if (filter.agent) query.agent = filter.agent;
      if (filter.upstream) query.upstream = filter.upstream;
      if (filter.changedOnly) query.heldHash = { $type: 'string' };
      const docs = await model
        .find(query)
        .sort({ upstream: 1, tool: 1, agent: 1 })
        .limit(5000)
        .lean<ToolPinDoc[]>();
      return docs.map(toToolPin);
    },

    /**
     * Makes the held version `hash` the pinned one: of one agent's pin (`agent` null: the legacy
     * pin), or, `agent` undefined, of every pin of the tool holding that very version. Empty when
     * no such version is waiting any more. `wasNew`: the tool had no trusted version before.
     */
    async accept(
      agent: string | null | undefined,
      upstream: string,
      tool: string,
      hash: string,
      by: string,
      now: Date,
    ): Promise<Array<{ pin: ToolPin; wasNew: boolean }>> {
      const filter: Record<string, unknown> = { upstream, tool, heldHash: hash };
      if (agent !== undefined) filter.agent = agent;
      const accepted: Array<{ pin: ToolPin; wasNew: boolean }> = [];
      for (const doc of await model.find(filter).lean<ToolPinDoc[]>()) {
        if (!doc.heldDefinition) continue;
        const cleared = {
          hash,
          definition: doc.heldDefinition,
          pinnedAt: now,
          pinnedBy: by,
          heldHash: null,
          heldDefinition: null,
          heldAt: null,
          heldBy: null,
        };
        const done = await col.updateOne(
          { upstream, tool, heldHash: hash, agent: doc.agent ?? LEGACY },
          { $set: cleared },
        );
        if (done.modifiedCount > 0)
          accepted.push({ pin: toToolPin({ ...doc, ...cleared }), wasNew: doc.hash === null });
      }
      return accepted;
    },

    async deleteAll(): Promise<void> {
      await col.deleteMany({});
    },
  };
}
export type ToolPinsRepo = ReturnType<typeof createToolPinsRepo>;
