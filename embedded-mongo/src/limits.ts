/** MongoDB's size limits, announced in hello and enforced where mongod enforces them. */

/** Largest stored document (maxBsonObjectSize). */
export const MAX_BSON_SIZE = 16 * 1024 * 1024;
/** Largest wire message (maxMessageSizeBytes); bigger frames close the connection. */
export const MAX_MESSAGE_SIZE = 48_000_000;
/** Most statements per write command (maxWriteBatchSize); drivers split larger batches. */
export const MAX_WRITE_BATCH = 100_000;
