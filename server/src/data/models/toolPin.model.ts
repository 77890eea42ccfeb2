import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One MCP tool of one upstream server as the gateways pinned it. Definitions are stored as JSON
 * text: JSON Schemas carry keys like `$schema` and `$ref` that a document field can't hold.
 */
export interface ToolPinDoc {
  upstream: string;
  tool: string;
  hash: string;
  definition: string;
  pinnedAt: Date;
  pinnedBy: string | null;
  /** A changed version, seen by a gateway and held until an admin accepts it. */
  heldHash?: string | null;
  heldDefinition?: string | null;
  heldAt?: Date | null;
  heldBy?: string | null;
}

const toolPinSchema = new Schema<ToolPinDoc>(
  {
    upstream: { type: String, required: true },
    tool: { type: String, required: true },
    hash: { type: String, required: true },
    definition: { type: String, required: true },
    pinnedAt: { type: Date, required: true },
    pinnedBy: { type: String, default: null },
    heldHash: { type: String, default: null },
    heldDefinition: { type: String, default: null },
    heldAt: { type: Date, default: null },
    heldBy: { type: String, default: null },
  },
  { collection: 'tool_pins', versionKey: false, autoIndex: false },
);
// One pin per tool: the first gateway to list it wins the insert, the others read its pin.
toolPinSchema.index({ upstream: 1, tool: 1 }, { unique: true });

export function toolPinModel(conn: Connection): Model<ToolPinDoc> {
  return (
    (conn.models.ToolPin as Model<ToolPinDoc> | undefined) ??
    conn.model<ToolPinDoc>('ToolPin', toolPinSchema)
  );
}
