import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { Principal } from '@aegis/shared';
import { credentialOf } from './credentials';
import { sha256 } from './secrets';

/** The backstop: how often open streams' credentials are re-read even when no change was reported. */
export const RECHECK_MS = 30_000;

/** Why a stream is being ended: its credential no longer stands, or it could not be checked. */
export type StreamEnd = 'revoked' | 'unverified';

/** What the live-stream path needs from the guard (http/liveStreams.ts). */
export interface StreamWatcher {
  /**
   * Keeps the stream's credential under watch: `end` is called once the key is revoked, its role
   * or agents changed, or the session was deleted or expired. Returns the function that stops
   * watching (call it when the stream closes).
   */
  watch(
    req: { headers: IncomingHttpHeaders },
    principal: Principal,
    end: (why: StreamEnd) => void,
  ): () => void;
  /**
   * A check that has not finished yet, or one due (the last is older than RECHECK_MS), started
   * now; null when what the guard knows is current. An event must wait for it before it is sent.
   */
  due(): Promise<void> | null;
}

/** Reads credentials by hash, many at once: what the guard asks the key store and the sessions. */
export interface CredentialLookup {
  /** Active keys among these key hashes → their principals, by hash. */
  keys(hashes: string[]): Promise<Map<string, Principal>>;
  /** Live sessions (not expired, key active) among these cookie hashes → principals, by hash. */
  sessions(hashes: string[]): Promise<Map<string, Principal>>;
}

interface Watched {
  kind: 'key' | 'session';
  /** sha256 of the key or of the session cookie: what the database is searched by. */
  hash: string;
  principal: Principal;
  end: (why: StreamEnd) => void;
}

/**
 * Ends the live streams whose credential stopped standing. A stream resolves its principal once,
 * when it opens; without this a revoked key, or a session ended by logout, kept receiving events
 * for as long as its connection lived. `recheck()` re-reads every open stream's credential in a
 * few queries (one per collection, whatever the number of streams) and ends the streams whose
 * principal is gone or changed. It runs when keys or sessions change here or on another server
 * (the change feed), every RECHECK_MS as a backstop, and events wait for a running check
 * (`due()`), so an entry written after a revocation is never sent on the revoked stream. The
 * per-event cost is a property read and a clock read; the database is read per change, not per event.
 */
export class StreamGuard implements StreamWatcher {
  private readonly open = new Set<Watched>();
  private checking: Promise<void> | null = null;
  /** A check asked for while one ran: it must run after it, as the running one may predate the change. */
  private queued: Promise<void> | null = null;
  private checkedAt = Date.now();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly lookup: CredentialLookup,
    private readonly logger: Logger,
    private readonly recheckMs = RECHECK_MS,
  ) {}

  watch(
    req: { headers: IncomingHttpHeaders },
    principal: Principal,
    end: (why: StreamEnd) => void,
  ): () => void {
    const credential = credentialOf(req);
    if (!credential || credential.kind === 'invalid') {
      // The principal came from this request's credential, so this cannot happen; refuse to guess.
      end('unverified');
      return () => undefined;
    }
    const secret = credential.kind === 'key' ? credential.key : credential.token;
    const watched: Watched = { kind: credential.kind, hash: sha256(secret), principal, end };
    this.open.add(watched);
    if (!this.timer) {
      this.checkedAt = Date.now();
      this.timer = setInterval(() => void this.recheck(), this.recheckMs);
      this.timer.unref();
    }
    return () => this.release(watched);
  }

  due(): Promise<void> | null {
    const pending = this.queued ?? this.checking;
    if (pending) return pending;
    // The interval normally keeps this fresh; a blocked event loop may have delayed it.
    return Date.now() - this.checkedAt > this.recheckMs * 2 ? this.recheck() : null;
  }

  /** Re-reads every watched credential; resolves once the streams that lost theirs were ended. */
  recheck(): Promise<void> {
    if (this.checking) {
      this.queued ??= this.checking.then(() => {
        this.queued = null;
        return this.recheck();
      });
      return this.queued;
    }
    const checking = this.run().finally(() => {
      this.checking = null;
    });
    this.checking = checking;
    return checking;
  }

  private release(watched: Watched): void {
    this.open.delete(watched);
    if (this.open.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private async run(): Promise<void> {
    const startedAt = Date.now();
    const streams = [...this.open];
    if (streams.length === 0) {
      this.checkedAt = startedAt;
      return;
    }
    let current: Map<string, Principal>;
    try {
      current = await this.currentPrincipals(streams);
    } catch (error) {
      // Fail closed: a stream whose credential can't be read is ended; its client reconnects
      // and is checked afresh then.
      this.logger.warn({ err: error }, 'could not re-check live streams; ending them');
      for (const s of streams) this.finish(s, 'unverified');
      return;
    }
    this.checkedAt = startedAt;
    for (const s of streams) {
      const now = current.get(`${s.kind}:${s.hash}`);
      if (!now || !samePrincipal(s.principal, now)) this.finish(s, 'revoked');
    }
  }

  private finish(watched: Watched, why: StreamEnd): void {
    if (!this.open.has(watched)) return;
    this.release(watched);
    watched.end(why);
  }

  /** `kind:hash` → the principal that credential stands for now (absent: revoked, deleted, expired). */
  private async currentPrincipals(streams: Watched[]): Promise<Map<string, Principal>> {
    const hashes = (kind: Watched['kind']) => [
      ...new Set(streams.filter((s) => s.kind === kind).map((s) => s.hash)),
    ];
    const [keys, sessions] = await Promise.all([
      this.lookup.keys(hashes('key')),
      this.lookup.sessions(hashes('session')),
    ]);
    const current = new Map<string, Principal>();
    for (const [hash, principal] of keys) current.set(`key:${hash}`, principal);
    for (const [hash, principal] of sessions) current.set(`session:${hash}`, principal);
    return current;
  }
}

/** The same key with the same powers (a renamed key keeps its streams). */
function samePrincipal(was: Principal, now: Principal): boolean {
  if (was.keyId !== now.keyId || was.role !== now.role) return false;
  const a = [...(was.agents ?? [])].sort();
  const b = [...(now.agents ?? [])].sort();
  return (was.agents === null) === (now.agents === null) && a.join('\n') === b.join('\n');
}
