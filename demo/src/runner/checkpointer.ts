import { MongoDBSaver } from '@langchain/langgraph-checkpoint-mongodb';
import type { Connection } from 'mongoose';

/** Where the demo's LangGraph runs are checkpointed: a database of its own on Aegis's store. */
export const CHECKPOINT_DB = 'aegis_checkpoints';

/**
 * The official MongoDB checkpointer on the demo's existing connection (the same driver as
 * mongoose's), so a paused run outlives the process that started it.
 */
export function checkpointerOn(connection: Connection): MongoDBSaver {
  return new MongoDBSaver({ client: connection.getClient(), dbName: CHECKPOINT_DB });
}
