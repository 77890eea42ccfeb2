/** Calls per tRPC batch request; the SDK's batches stay below it. */
export const MAX_BATCH_SIZE = 50;
/**
 * A larger body is refused (413) before it is buffered whole; roomy enough for a local-mode
 * recordBatch of 1000 entries.
 */
export const MAX_BODY_BYTES = 5_000_000;
