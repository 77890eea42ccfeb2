import type { AuditEntry, ChangeEvent } from '@aegis/shared';

type ChangeListener = (event: ChangeEvent, seq: number) => void;
type AuditListener = (entry: AuditEntry) => void;

/**
 * The in-process event bus behind the subscriptions. Change events get a sequence number and are
 * kept in a ring buffer so a client that reconnects with its last seen number gets what it missed.
 * Sequence numbers start at the start-up time in microseconds, so they keep growing across
 * restarts and a client holding a number from the previous process is not confused by small ones.
 */
export class EventBus {
  private seq: number;
  private readonly ring: Array<{ seq: number; event: ChangeEvent }> = [];
  private readonly changeListeners = new Set<ChangeListener>();
  private readonly auditListeners = new Set<AuditListener>();

  constructor(
    private readonly capacity = 10_000,
    private readonly onListenerError: (error: unknown) => void = () => {},
  ) {
    this.seq = Date.now() * 1000;
  }

  /** Set when several servers share the database: every local event is also published to them. */
  publisher: ((event: ChangeEvent) => void) | null = null;

  /** An event that happened here: to this server's listeners, and published to the others. */
  emitChange(event: ChangeEvent): number {
    this.publisher?.(event);
    return this.deliver(event);
  }

  /** An event to this server's listeners only (one another server published). */
  deliver(event: ChangeEvent): number {
    const seq = ++this.seq;
    this.ring.push({ seq, event });
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    for (const listener of this.changeListeners) this.safely(() => listener(event, seq));
    return seq;
  }

  emitAudit(entries: AuditEntry[]): void {
    for (const entry of entries) {
      for (const listener of this.auditListeners) this.safely(() => listener(entry));
    }
  }

  onChange(listener: ChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onAudit(listener: AuditListener): () => void {
    this.auditListeners.add(listener);
    return () => this.auditListeners.delete(listener);
  }

  /** Buffered events after `seq`, oldest first. */
  changesSince(seq: number): Array<{ seq: number; event: ChangeEvent }> {
    // The ring is sorted by seq: binary search for the first newer event.
    let lo = 0;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ring[mid] as { seq: number }).seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return this.ring.slice(lo);
  }

  /** Current number of live subscribers (for shutdown logs and tests). */
  get listenerCount(): number {
    return this.changeListeners.size + this.auditListeners.size;
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.onListenerError(error);
    }
  }
}
