import type { Model } from 'mongoose';
import type { ToolPin, ToolPinVersion } from '@aegis/shared';
import type { ToolPinDoc } from '../models/toolPin.model';

/** A tool as one gateway listed it: the server's hash of its definition, and the definition. */
export interface SeenTool {
  name: string;
  hash: string;
  json: string;
}

export interface PinCheckOutcome {
  held: string[];
  added: string[];
  /** Held versions no gateway had reported before: each is a governance event, recorded once. */
  newlyHeld: Array<{ tool: string; was: string; now: string }>;
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
    upstream: doc.upstream,
    tool: doc.tool,
    pinned: version(doc.hash, doc.definition, doc.pinnedAt, doc.pinnedBy),
    held:
      doc.heldHash && doc.heldDefinition && doc.heldAt
        ? version(doc.heldHash, doc.heldDefinition, doc.heldAt, doc.heldBy ?? null)
        : null,
  };
}

export function createToolPinsRepo(model: Model<ToolPinDoc>) {
  const col = model.collection;
  return {
    /**
     * Compares a tools/list with the pins. Safe with several gateways and servers at once: a new
     * tool is pinned by a unique insert (a lost race reads the winner's pin), and a held version
     * is replaced only when it differs, so the same change is reported as new once.
     */
    async check(
      upstream: string,
      tools: SeenTool[],
      by: string,
      now: Date,
    ): Promise<PinCheckOutcome> {
      const out: PinCheckOutcome = { held: [], added: [], newlyHeld: [] };
      const stored = new Map<string, ToolPinDoc>();
      for (const doc of await model.find({ upstream }).lean<ToolPinDoc[]>())
        stored.set(doc.tool, doc);
      for (const tool of tools) {
        let pin = stored.get(tool.name);
        if (!pin) {
          const doc: ToolPinDoc = {
            upstream,
            tool: tool.name,
            hash: tool.hash,
            definition: tool.json,
            pinnedAt: now,
            pinnedBy: by,
          };
          try {
            await col.insertOne({ ...doc });
            out.added.push(tool.name);
            continue;
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
            pin =
              (await model.findOne({ upstream, tool: tool.name }).lean<ToolPinDoc>()) ?? undefined;
            if (!pin) throw error;
          }
        }
        if (pin.hash === tool.hash) continue;
        out.held.push(tool.name);
        if (pin.heldHash === tool.hash) continue;
        const changed = await col.updateOne(
          { upstream, tool: tool.name, hash: pin.hash, heldHash: pin.heldHash ?? null },
          { $set: { heldHash: tool.hash, heldDefinition: tool.json, heldAt: now, heldBy: by } },
        );
        if (changed.modifiedCount > 0)
          out.newlyHeld.push({ tool: tool.name, was: pin.hash, now: tool.hash });
      }
      return out;
    },

    async list(filter: { upstream?: string; changedOnly?: boolean }): Promise<ToolPin[]> {
      const query: Record<string, unknown> = {};
      if (filter.upstream) query.upstream = filter.upstream;
      if (filter.changedOnly) query.heldHash = { $type: 'string' };
      const docs = await model
        .find(query)
        .sort({ upstream: 1, tool: 1 })
        .limit(5000)
        .lean<ToolPinDoc[]>();
      return docs.map(toToolPin);
    },

    /** Makes the held version `hash` the pinned one; null when that version is no longer waiting. */
    async accept(
      upstream: string,
      tool: string,
      hash: string,
      by: string,
      now: Date,
    ): Promise<ToolPin | null> {
      const doc = await model.findOne({ upstream, tool, heldHash: hash }).lean<ToolPinDoc>();
      if (!doc?.heldDefinition) return null;
      const done = await col.updateOne(
        { upstream, tool, heldHash: hash },
        {
          $set: {
            hash,
            definition: doc.heldDefinition,
            pinnedAt: now,
            pinnedBy: by,
            heldHash: null,
            heldDefinition: null,
            heldAt: null,
            heldBy: null,
          },
        },
      );
      if (done.modifiedCount === 0) return null;
      return toToolPin({
        ...doc,
        hash,
        definition: doc.heldDefinition,
        pinnedAt: now,
        pinnedBy: by,
        heldHash: null,
        heldDefinition: null,
        heldAt: null,
        heldBy: null,
      });
    },

    async deleteAll(): Promise<void> {
      await col.deleteMany({});
    },
  };
}
export type ToolPinsRepo = ReturnType<typeof createToolPinsRepo>;
