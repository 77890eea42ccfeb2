import { Schema, type Connection, type Model } from 'mongoose';
import type { AgentDeclaration } from '@aegis/shared';

/** What an agent's code declares about it (profile, model, tools with tags): one per agent. */
export interface DeclarationDoc {
  agent: string;
  declaration: AgentDeclaration;
  updatedAt: Date;
}

const declarationSchema = new Schema<DeclarationDoc>(
  {
    agent: { type: String, required: true },
    declaration: { type: Schema.Types.Mixed, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'agent_declarations', versionKey: false, autoIndex: false, minimize: false },
);
declarationSchema.index({ agent: 1 }, { unique: true });

export function declarationModel(conn: Connection): Model<DeclarationDoc> {
  return (
    (conn.models.AgentDeclaration as Model<DeclarationDoc> | undefined) ??
    conn.model<DeclarationDoc>('AgentDeclaration', declarationSchema)
  );
}
