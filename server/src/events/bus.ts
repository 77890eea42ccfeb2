import { randomBytes } from 'node:crypto';
import type { AuditEntry, ChangeEvent } from '@aegis/shared';

type ChangeListener = (event: ChangeEvent, seq: number) => void;
type AuditListener = (entry: AuditEntry) => void;

/**
 * The in-process event bus behind the subscriptions. Change events get a sequence number and are
 * kept in a ring buffer so a client that reconnects with its last seen number gets what it missed.
 * A sequence number is the delivery time in microseconds (or one more than the previous number),
 * so numbers keep growing across restarts, and the numbers of two servers on one database (which
 * both deliver every event) are comparable. A client sees `<seq>-<origin>` (changeId): a resume
 * with this bus's origin is exact; with another server's (a reconnect through a load balancer, or
 * to another worker) it gets what this server delivered since about then (see changesSince).
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

  /** How far back a resume with another server's number reaches (its delivery may lag ours). */
  static readonly FOREIGN_RESUME_MARGIN_US = 5_000_000;
  /** Tells this bus's numbers from another server's (or a previous process's). */
  readonly origin = randomBytes(4).toString('hex');

  /** The id a client is given for an event (and resumes with). */
  changeId(seq: number): string {
    return `${seq}-${this.origin}`;
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
    const seq = (this.seq = Math.max(this.seq + 1, Date.now() * 1000));
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

  /**
   * Buffered events after `seq`, oldest first. A number another server (or a previous process)
   * handed out (`origin` not ours) is a time: the events delivered here since a margin before it
   * come back, so one delivered there later than here is not missed (a repeated event is harmless
   * to every subscriber: each reloads, or acts once by a conditional update).
   */
  changesSince(
    seq: number,
    origin: string | null = this.origin,
  ): Array<{ seq: number; event: ChangeEvent }> {
    const from = origin === this.origin ? seq : seq - EventBus.FOREIGN_RESUME_MARGIN_US;
    return this.ring.slice(this.firstAfter(from));
  }

  /** Index of the first buffered event newer than `seq` (the ring is sorted by seq). */
  private firstAfter(seq: number): number {
    let lo = 0;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ring[mid] as { seq: number }).seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
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

/** A client's last event id: `<seq>-<origin>`, or a bare number (from before origins). */
export function parseChangeId(
  id: string | null | undefined,
): { seq: number; origin: string | null } | null {
  const match = /^(\d{1,17})(?:-([0-9a-f]{8}))?$/.exec(id ?? '');
  if (!match) return null;
  return { seq: Number(match[1]), origin: match[2] ?? null };
}
