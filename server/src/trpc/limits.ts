import type { Context } from './context';

/** Calls per tRPC batch request; the SDK's batches stay below it. */
export const MAX_BATCH_SIZE = 50;
/**
 * A larger body is refused (413) before it is buffered whole; roomy enough for a local-mode
 * recordBatch of 1000 entries.
 */
export const MAX_BODY_BYTES = 5_000_000;
/**
 * Events a live stream may hold for a client that is not reading (its socket's buffers full)
 * before the server drops it; the client resumes from its last event id. Above a full
 * `sdk.recordBatch` (1000 entries arrive at once), so a reader that keeps up is never dropped.
 */
export const STREAM_QUEUE_LIMIT = 5_000;
/**
 * How far back `audit.onEntry` replays for a client resuming with a last event id: the newest
 * this many entries (of its agent filter). Without it `lastEventId: "0"` replayed the whole log
 * down every stream — an export outside the export gate, 16 at once per key (attack review 7).
 * An older resume gets a `resumeGap` event first: reload the rest with `audit.list`. Twice the
 * stream queue limit, so a reader dropped for falling behind still gets the rest when it resumes
 * (as the drop promises); far above what the dashboard shows live (300) and what `aegis logs`
 * resumes after (its last line).
 */
export const AUDIT_RESUME_MAX = 2 * STREAM_QUEUE_LIMIT;

/** How a live stream of this request bounds its queue and drops a client that doesn't read. */
export function slowReaderGuard(ctx: Context): { maxQueued: number; drop: () => void } {
  return {
    maxQueued: ctx.streamQueueLimit ?? STREAM_QUEUE_LIMIT,
    // A reset rather than an orderly close: the kernel discards what the client never read
    // instead of holding it for a reader that may never come.
    drop: () => ctx.res?.socket?.resetAndDestroy(),
  };
}
