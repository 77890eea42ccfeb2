import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Principal } from '@aegis/shared';
import type { Services } from '../services';
import type { AuthService, SetResponseHeader } from './types';
import { bootstrap, type BootstrapResult } from './bootstrap';
import { credentialOf } from './credentials';
import { KeyStore } from './keyStore';
import { authModels } from './models';
import { loadRateLimits } from '../env';
import { enforce, RateLimiter } from './rateLimit';
import { Sessions } from './sessions';
import { StreamGuard, type StreamWatcher } from './streamGuard';
import { verifyAuditChain } from './verifyAudit';

export { securityMiddleware } from './securityMiddleware';
export { warnIfExposed, isLoopback } from './exposure';
export { RateLimiter } from './rateLimit';
export { jsonDepthGuard, jsonDepth, MAX_JSON_DEPTH } from './jsonDepth';
export { ADMIN_KEY_FILE } from './bootstrap';
export { SESSION_COOKIE, CSRF_COOKIE, CSRF_HEADER } from './cookies';
export type { AuthService, ApiKeyInfo, AuditVerifyResult, SetResponseHeader } from './types';
export type { BootstrapResult } from './bootstrap';
export type { StreamWatcher, StreamEnd } from './streamGuard';

export interface AuthServiceOptions {
  /** The governance database; auth keeps its own collections there. */
  connection: Connection;
  /** Where `admin.key` is written on first start. */
  dataDir: string;
  /** Base URL for the printed login link, e.g. http://127.0.0.1:8000. */
  publicUrl: string;
  /** Never given a secret: key ids and roles only. */
  logger: Logger;
  /** The domain services; auth needs none of them today, the wiring passes them for what may. */
  services: Services;
  /** sdk.decide calls per second per principal (also the burst); default AEGIS_RATE_DECIDE or 2000. */
  decidePerSecond?: number;
  /** Report entries per second per principal; default AEGIS_RATE_REPORTS or 2000 (burst 5 s' worth, ≥ a full batch). */
  reportsPerSecond?: number;
  /** Policy trials per second per principal (also the burst); default AEGIS_RATE_TRIALS or 10. */
  trialsPerSecond?: number;
  /** Login attempts per minute per client IP; default AEGIS_RATE_LOGIN or 10. */
  loginPerMinute?: number;
  /** Where the login link is printed; defaults to stdout, or nowhere when the logger is silent (tests). */
  print?: (text: string) => void;
  /** Told of every 429 the decide and report limits hand out (the /metrics counter). */
  onRateLimited?: (limit: 'decide' | 'reports') => void;
  /** Registers what to do when another server changed API keys (the change feed calls it). */
  onKeysChanged?: (listener: () => void) => void;
}

/** The auth service plus the start-up hook and the rate-limit helper the server wires in. */
export interface AegisAuth extends AuthService {
  /** Creates the admin key on first start and prints a fresh one-time login link. */
  bootstrap(): Promise<BootstrapResult>;
  /** A one-time dashboard login link for an admin (15 minutes, single use). */
  issueLoginLink(): Promise<string>;
  /** Throws TOO_MANY_REQUESTS (and sets Retry-After) when `principal` exceeds its decide rate. */
  limitDecide(principal: Principal, setHeader?: SetResponseHeader): void;
  limitReports(principal: Principal, count: number, setHeader?: SetResponseHeader): void;
  /** Ends open live streams whose key was revoked or changed, or whose session ended. */
  streams: StreamWatcher;
}

/**
 * Authentication, sessions, API keys and audit verification on the given connection
 * (collections `api_keys`, `sessions`, `login_tokens`).
 */
export async function createAuthService(opts: AuthServiceOptions): Promise<AegisAuth> {
  const models = await authModels(opts.connection, opts.logger);
  const keys = new KeyStore(models);
  const rates = loadRateLimits();
  const decidePerSecond = opts.decidePerSecond ?? rates.AEGIS_RATE_DECIDE;
  const loginPerMinute = opts.loginPerMinute ?? rates.AEGIS_RATE_LOGIN;
  const decideLimiter = new RateLimiter(decidePerSecond, Math.max(1, decidePerSecond));
  const reportsPerSecond = opts.reportsPerSecond ?? rates.AEGIS_RATE_REPORTS;
  // Local mode ships bursts (a loop of tool calls decided in microseconds): five seconds' worth,
  // and at least a full batch (1000 entries), fit in the bucket.
  const reportLimiter = new RateLimiter(reportsPerSecond, Math.max(1000, 5 * reportsPerSecond));
  const loginLimiter = new RateLimiter(loginPerMinute / 60, Math.max(1, loginPerMinute));
  // A trial compiles a draft and evaluates it on the event loop (bounded, but up to ~0.3 s for a
  // heavy one); any viewer may send them, and a person clicking "try" needs few.
  const trialsPerSecond = opts.trialsPerSecond ?? rates.AEGIS_RATE_TRIALS;
  const trialLimiter = new RateLimiter(trialsPerSecond, Math.max(1, trialsPerSecond));
  const sessions = new Sessions(models, keys, loginLimiter, opts.publicUrl.startsWith('https://'));
  const streams = new StreamGuard(
    { keys: (hashes) => keys.activeByHashes(hashes), sessions: (h) => sessions.liveByHashes(h) },
    opts.logger,
  );
  // A key revoked (or a session ended) on another server stops working here at once, not when
  // the cache entry expires, and the streams opened with it end.
  opts.onKeysChanged?.(() => {
    keys.forget();
    void streams.recheck();
  });
  const print =
    opts.print ??
    ((text: string) => {
      if (opts.logger.level !== 'silent') process.stdout.write(text);
    });

  function counted(limit: 'decide' | 'reports', check: () => void): void {
    try {
      check();
    } catch (error) {
      opts.onRateLimited?.(limit);
      throw error;
    }
  }

  async function issueLoginLink(): Promise<string> {
    const admin = (await keys.activeAdmins())[0];
    if (!admin) throw new Error('There is no active admin key');
    const token = await sessions.issueLoginToken(admin.id);
    return `${opts.publicUrl.replace(/\/+$/, '')}/login?token=${token}`;
  }

  return {
    async resolvePrincipal(req) {
      const credential = credentialOf(req);
      if (!credential || credential.kind === 'invalid') return null;
      return credential.kind === 'key'
        ? keys.resolve(credential.key)
        : sessions.resolve(credential.token);
    },
    login: (input, req, res) => sessions.login(input, req, res),
    async logout(req, res, everywhereFor) {
      const ended = await sessions.logout(req, res, everywhereFor);
      // The session's own streams (on this server; the change feed tells the others) end now.
      await streams.recheck();
      return ended;
    },
    async createKey(input, actor) {
      const created = await keys.create(input, actor.name);
      opts.logger.info(
        { keyId: created.info.id, role: created.info.role, by: actor.keyId },
        'API key created',
      );
      return created;
    },
    listKeys: () => keys.list(),
    async revokeKey(id, actor) {
      const info = await keys.revoke(id);
      // Before answering: once the admin sees the key revoked, its streams here have ended.
      await streams.recheck();
      opts.logger.info({ keyId: id, by: actor.keyId }, 'API key revoked');
      return info;
    },
    verifyAudit: () => verifyAuditChain(opts.connection),
    bootstrap: () =>
      bootstrap({
        keys,
        sessions,
        dataDir: opts.dataDir,
        publicUrl: opts.publicUrl,
        logger: opts.logger,
        print,
      }),
    issueLoginLink,
    streams,
    limitDecide(principal, setHeader) {
      counted('decide', () => enforce(decideLimiter, principal.keyId, setHeader, 'decide calls'));
    },
    limitTrials(principal, setHeader) {
      enforce(trialLimiter, principal.keyId, setHeader, 'policy trials');
    },
    limitReports(principal, count, setHeader) {
      counted('reports', () =>
        enforce(reportLimiter, principal.keyId, setHeader, 'reports', Math.max(1, count)),
      );
    },
  };
}
