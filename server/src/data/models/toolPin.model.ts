import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One MCP tool of one upstream server as one agent's gateways pinned it. Definitions are stored as
 * JSON text: JSON Schemas carry keys like `$schema` and `$ref` that a document field can't hold.
 */
export interface ToolPinDoc {
  /**
   * The agent whose gateways trust this pin: each agent has its own, so one agent's key can't set
   * or disturb what another's gateways trust. Absent on pins stored before pins were per agent
   * (legacy): each agent's gateway adopts such a pin as its own the first time it checks the tool
   * (toolPins.repo.ts), and no gateway changes it after.
   */
  agent?: string | null;
  upstream: string;
  tool: string;
  /**
   * The trusted version; null on a tool that appeared after the agent's gateways first pinned
   * the upstream: it has only a held version until an admin accepts it.
   */
  hash: string | null;
  definition: string | null;
  pinnedAt: Date | null;
  pinnedBy: string | null;
  /** A changed (or new) version, seen by a gateway and held until an admin accepts it. */
  heldHash?: string | null;
  heldDefinition?: string | null;
  heldAt?: Date | null;
  heldBy?: string | null;
}

const toolPinSchema = new Schema<ToolPinDoc>(
  {
    agent: { type: String },
    upstream: { type: String, required: true },
    tool: { type: String, required: true },
    hash: { type: String, default: null },
    definition: { type: String, default: null },
    pinnedAt: { type: Date, default: null },
    pinnedBy: { type: String, default: null },
    heldHash: { type: String, default: null },
    heldDefinition: { type: String, default: null },
    heldAt: { type: Date, default: null },
    heldBy: { type: String, default: null },
  },
  { collection: 'tool_pins', versionKey: false, autoIndex: false },
);
// One pin per agent and tool: the first of the agent's gateways to list it wins the insert, the
// others read its pin. (Legacy pins, without an agent, index as agent null: one per tool.)
toolPinSchema.index({ agent: 1, upstream: 1, tool: 1 }, { unique: true });

/** The index pins had when they were kept per upstream only: dropped at start-up. */
export const LEGACY_PIN_INDEX = 'upstream_1_tool_1';

export function toolPinModel(conn: Connection): Model<ToolPinDoc> {
  return (
    (conn.models.ToolPin as Model<ToolPinDoc> | undefined) ??
    conn.model<ToolPinDoc>('ToolPin', toolPinSchema)
  );
}
