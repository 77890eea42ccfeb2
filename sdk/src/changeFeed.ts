import type { ChangeEvent } from '@aegis/shared';
import type { AegisApi } from './transport';

type Listener = (event: ChangeEvent) => void;

const REOPEN_AFTER_MS = 5_000;
type Unsubscribable = { unsubscribe(): void };

/**
 * One shared `changes.onChange` SSE subscription per client, opened while someone holds it
 * (approval waits, local mode, `onChange` listeners) and closed when nobody does, so a script
 * that is done can exit. It starts live (no replay of old events, which could briefly resurrect
 * an old kill-switch state); whoever needs the state from before the stream was up re-reads it
 * once it is live (`onStarted`). Reconnects resume from the last event id (tRPC does that), so
 * nothing is missed while the stream is up.
 */
export class ChangeFeed {
  private sub: Unsubscribable | null = null;
  private holds = 0;
  private readonly listeners = new Set<Listener>();
  private readonly startListeners = new Set<() => void>();
  private everConnected = false;
  /** Null while connected; otherwise since when the stream has been down (or not yet up). */
  private downSinceMs: number | null = Date.now();

  constructor(
    private readonly api: AegisApi,
    private readonly onBackgroundError: (error: unknown) => void,
  ) {}

  /** Keeps the stream open until the returned release function is called. */
  acquire(): () => void {
    this.holds++;
    if (!this.sub) this.open();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.holds === 0) this.closeStream();
    };
  }

  /** Listens to every change event; returns the unsubscribe function. */
  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called each time the stream (re)connects, after it is live. */
  onStarted(listener: () => void): () => void {
    this.startListeners.add(listener);
    return () => this.startListeners.delete(listener);
  }

  /** Resolves once the stream is live (it must be held open by someone meanwhile). */
  whenConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.onStarted(() => {
        off();
        resolve();
      });
    });
  }

  get connected(): boolean {
    return this.downSinceMs === null;
  }

  /** How long the stream has been down, 0 when connected. */
  downForMs(now = Date.now()): number {
    return this.downSinceMs === null ? 0 : now - this.downSinceMs;
  }

  private open(): void {
    this.downSinceMs ??= Date.now();
    this.sub = this.api.changes.onChange.subscribe(
      {},
      {
        onStarted: () => this.markUp(),
        onConnectionStateChange: (state) => {
          if (state.state === 'pending') this.markUp();
          else if (state.state === 'connecting' && state.error) this.markDown();
        },
        onData: (tracked) => {
          for (const listener of [...this.listeners]) {
            try {
              listener(tracked.data);
            } catch (error) {
              this.onBackgroundError(error);
            }
          }
        },
        onError: (error) => {
          // A fatal error (bad or revoked key, a proxy's error page) ends the subscription: report
          // it, stay down (local mode goes stale and fails closed) and try again in a while.
          this.markDown();
          this.sub = null;
          this.onBackgroundError(error);
          const retry = setTimeout(() => {
            if (this.holds > 0 && !this.sub) this.open();
          }, REOPEN_AFTER_MS);
          retry.unref();
        },
      },
    );
  }

  private markUp(): void {
    if (this.downSinceMs === null) return;
    this.downSinceMs = null;
    this.everConnected = true;
    for (const listener of [...this.startListeners]) listener();
  }

  private markDown(): void {
    this.downSinceMs ??= Date.now();
  }

  private closeStream(): void {
    this.sub?.unsubscribe();
    this.sub = null;
    this.downSinceMs = Date.now();
  }

  /** Whether the stream was ever live (before that, "down" just means "starting"). */
  get hasConnected(): boolean {
    return this.everConnected;
  }

  /** Closes the stream whatever the holds. */
  close(): void {
    this.holds = 0;
    this.closeStream();
  }
}
