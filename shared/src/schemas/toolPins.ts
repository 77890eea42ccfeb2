import { z } from 'zod';
import { canonicalJson } from '../canonicalJson';
import { agentName, isoTime, jsonObject } from './common';

/**
 * Tool pinning for the MCP gateway, kept in the database so every gateway of an agent shares it:
 * per agent and upstream MCP server, each tool's pinned definition (name, description, schemas,
 * annotations) and its hash. A definition that later differs is held until an admin accepts it
 * (issue 20), and so is a tool that first appears after the upstream's tools were pinned (an
 * upstream that grows `export_all_customers` mid-session). Pins are per agent so that one agent's key can't pin a definition for, or raise a
 * hold on, another agent's gateways.
 */

/** The name a gateway config gives an upstream MCP server (first part of its actions). */
export const upstreamName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "_" or "-" (up to 64)');

export const mcpToolName = z.string().min(1).max(128);

/** Above this a tool's definition is refused: no honest tool needs more to describe itself. */
export const MAX_TOOL_DEFINITION_BYTES = 64 * 1024;

/**
 * Fields of a tool the pin covered only from attack review 7 on (the client showed an upstream's
 * changed `title`, `icons` and `_meta` with no hold). A pin stored before then has none of them:
 * it still holds a tool whose other fields match it (see {@link pinShapeMatch}), so an upgrade
 * doesn't make every titled tool read as changed.
 */
export const PIN_FIELDS_ADDED_V2 = ['title', 'icons', '_meta', 'execution'] as const;

/**
 * How a stored pin's definition and a seen one (both canonical JSON) match across the change
 * that added {@link PIN_FIELDS_ADDED_V2}: `upgrade` — the pin predates it and the seen tool
 * matches it in every field it covered (re-pin as seen); `older-gateway` — the seen definition
 * comes from a gateway that predates it and matches the pin in those fields; null — no match.
 */
export function pinShapeMatch(
  storedJson: string,
  seenJson: string,
): 'upgrade' | 'older-gateway' | null {
  const stored = JSON.parse(storedJson) as Record<string, unknown>;
  const seen = JSON.parse(seenJson) as Record<string, unknown>;
  const hasAdded = (d: Record<string, unknown>) => PIN_FIELDS_ADDED_V2.some((f) => f in d);
  const withoutAdded = (d: Record<string, unknown>) =>
    canonicalJson(
      Object.fromEntries(
        Object.entries(d).filter(([k]) => !(PIN_FIELDS_ADDED_V2 as readonly string[]).includes(k)),
      ),
    );
  if (!hasAdded(stored) && hasAdded(seen) && withoutAdded(seen) === storedJson) return 'upgrade';
  if (hasAdded(stored) && !hasAdded(seen) && withoutAdded(stored) === seenJson)
    return 'older-gateway';
  return null;
}

export const toolDefinition = jsonObject
  .refine((d) => JSON.stringify(d).length <= MAX_TOOL_DEFINITION_BYTES, {
    message: `a tool definition takes at most ${MAX_TOOL_DEFINITION_BYTES / 1024} KiB`,
  })
  .describe(
    'The pinned part of an MCP tool: name, title, description, input/output schema, annotations, icons, _meta, execution',
  );

export const pinCheckInput = z.object({
  agent: agentName.describe('The agent whose gateway session listed the tools'),
  upstream: upstreamName,
  tools: z
    .array(z.object({ name: mcpToolName, definition: toolDefinition }))
    .max(1000)
    .describe("The upstream's tools/list, as the gateway saw it"),
  holdFirstList: z
    .boolean()
    .default(false)
    .describe(
      "Hold even the tools of the agent's very first list of this upstream until an admin accepts them; by default that list is pinned as it is (trust on first use)",
    ),
});
export type PinCheckInput = z.infer<typeof pinCheckInput>;

export const pinCheckResult = z.object({
  held: z
    .array(mcpToolName)
    .describe(
      'Tools to hide and refuse: their definition differs from the pinned one, or they are new (see `heldNew`)',
    ),
  heldNew: z
    .array(mcpToolName)
    .optional()
    .describe(
      "Of `held`, the tools never pinned: they appeared after the upstream's tools were pinned for this agent",
    ),
  added: z.array(mcpToolName).describe('Tools seen for the first time, pinned now'),
});
export type PinCheckResult = z.infer<typeof pinCheckResult>;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hash in hex');

export const toolPinVersion = z.object({
  hash: sha256Hex,
  definition: z.record(z.string(), z.unknown()),
  at: isoTime,
  by: z
    .string()
    .nullable()
    .describe('The agent whose gateway saw it, or the person who accepted it'),
});
export type ToolPinVersion = z.infer<typeof toolPinVersion>;

export const toolPin = z.object({
  agent: agentName
    .nullable()
    .describe(
      "The agent whose gateways trust this pin; null: a pin from before pins were per agent, which each agent's gateway adopts as its own the first time it lists the tool",
    ),
  upstream: upstreamName,
  tool: mcpToolName,
  pinned: toolPinVersion
    .nullable()
    .describe(
      "The trusted version; null for a tool that appeared after the upstream's tools were pinned, held until an admin accepts it",
    ),
  held: toolPinVersion
    .nullable()
    .describe('A changed (or new) version waiting for an admin; null when none'),
});
export type ToolPin = z.infer<typeof toolPin>;

export const toolPinQuery = z.object({
  agent: agentName.optional().describe("Only this agent's pins"),
  upstream: upstreamName.optional(),
  changedOnly: z
    .boolean()
    .default(false)
    .describe('Only tools with a changed (or new) version waiting'),
});

export const acceptPinInput = z.object({
  agent: agentName
    .nullable()
    .optional()
    .describe(
      "Whose pin: that agent's (null: the pin from before pins were per agent); omitted, every agent's pin of the tool holding this very version",
    ),
  upstream: upstreamName,
  tool: mcpToolName,
  hash: sha256Hex.describe(
    'The changed version the admin looked at: a newer change is not accepted with it',
  ),
});
export type AcceptPinInput = z.infer<typeof acceptPinInput>;
