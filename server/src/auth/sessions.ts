import { TRPCError } from '@trpc/server';
import type { Request, Response } from 'express';
import type { Principal } from '@aegis/shared';
import type { AuthModels, SessionDoc } from './models';
import type { KeyStore } from './keyStore';
import { headerSetter } from './rateLimit';
import { clearSessionCookies, readCookies, SESSION_COOKIE, setSessionCookies } from './cookies';
import { csrfTokenFor, newToken, sha256 } from './secrets';
import { enforce, type RateLimiter } from './rateLimit';

export const SESSION_TTL_MS = 12 * 3600 * 1000;
export const LOGIN_TOKEN_TTL_MS = 15 * 60 * 1000;

/** Dashboard sessions and the one-time login tokens that open them. */
export class Sessions {
  constructor(
    private readonly models: AuthModels,
    private readonly keys: KeyStore,
    private readonly loginLimiter: RateLimiter,
    private readonly secureCookies: boolean,
  ) {}

  /** A single-use login token for the given key, valid for 15 minutes. */
  async issueLoginToken(keyId: string): Promise<string> {
    const token = newToken();
    const now = new Date();
    await this.models.LoginToken.create({
      hash: sha256(token),
      keyId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + LOGIN_TOKEN_TTL_MS),
      usedAt: null,
    });
    // Old tokens are dead weight; drop the expired ones whenever a new one is made.
    await this.models.LoginToken.deleteMany({ expiresAt: { $lt: now } });
    return token;
  }

  /**
   * The login exchange. Attempts are limited per client IP (a successful login gives its
   * attempt back); agent keys cannot open dashboard sessions.
   */
  async login(
    input: { token?: string; key?: string },
    req: Request | undefined,
    res: Response | undefined,
  ): Promise<Principal> {
    const ip = req?.ip ?? req?.socket.remoteAddress ?? 'unknown';
    enforce(this.loginLimiter, ip, res && headerSetter(res), 'login attempts');
    const principal = await this.principalFor(input);
    if (!principal)
      throw new TRPCError({
        code: 'UNAUTHORIZED',
        message: 'Invalid, expired or already used login token or key',
      });
    if (principal.role === 'agent') {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: 'Agent keys cannot open dashboard sessions',
      });
    }
    this.loginLimiter.refund(ip);
    const session = newToken();
    const now = new Date();
    await this.models.Session.create({
      hash: sha256(session),
      keyId: principal.keyId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
    });
    await this.models.Session.deleteMany({ expiresAt: { $lt: now } });
    if (res)
      setSessionCookies(res, session, csrfTokenFor(session), {
        secure: this.secureCookies,
        maxAgeSec: SESSION_TTL_MS / 1000,
      });
    return principal;
  }

  private async principalFor(input: { token?: string; key?: string }): Promise<Principal | null> {
    if (input.token && input.key) return null;
    if (input.key) return this.keys.resolve(input.key);
    if (!input.token) return null;
    const now = new Date();
    // Atomic claim: of two concurrent redemptions only one finds usedAt still null.
    const claimed = await this.models.LoginToken.findOneAndUpdate(
      { hash: { $eq: sha256(input.token) }, usedAt: null, expiresAt: { $gt: now } },
      { $set: { usedAt: now } },
      { returnDocument: 'after' },
    ).lean();
    return claimed ? this.keys.byId(claimed.keyId) : null;
  }

  /**
   * Ends this request's session, or with `everywhereFor` every session of that key (a session
   * left open on another machine, or a cookie that was copied, ends without revoking the key —
   * which for the last admin key is refused). Answers how many sessions ended.
   */
  async logout(
    req: Request | undefined,
    res: Response | undefined,
    everywhereFor?: string,
  ): Promise<number> {
    const session = req ? readCookies(req).get(SESSION_COOKIE) : undefined;
    let ended = 0;
    if (everywhereFor !== undefined) {
      ended = (await this.models.Session.deleteMany({ keyId: { $eq: everywhereFor } }))
        .deletedCount;
    }
    if (session) {
      ended += (await this.models.Session.deleteOne({ hash: { $eq: sha256(session) } }))
        .deletedCount;
    }
    if (res) clearSessionCookies(res, this.secureCookies);
    return ended;
  }

  /** The principals of the live sessions among these cookie hashes, by hash (two queries, any number). */
  async liveByHashes(hashes: string[]): Promise<Map<string, Principal>> {
    if (hashes.length === 0) return new Map();
    const docs = await this.models.Session.find({
      hash: { $in: hashes },
      expiresAt: { $gt: new Date() },
    }).lean<SessionDoc[]>();
    const owners = await this.keys.activeByIds([...new Set(docs.map((d) => d.keyId))]);
    const live = new Map<string, Principal>();
    for (const doc of docs) {
      const owner = owners.get(doc.keyId);
      if (owner) live.set(doc.hash, { ...owner, session: true });
    }
    return live;
  }

  /** The principal of a live session cookie, or null (unknown, expired, or its key revoked). */
  async resolve(sessionToken: string): Promise<Principal | null> {
    if (sessionToken.length > 200) return null;
    const doc = await this.models.Session.findOne({
      hash: { $eq: sha256(sessionToken) },
    }).lean<SessionDoc>();
    if (!doc) return null;
    // Expired sessions are refused here and swept at the next login, so a refused request writes nothing.
    if (doc.expiresAt.getTime() <= Date.now()) return null;
    const principal = await this.keys.byId(doc.keyId);
    return principal && { ...principal, session: true };
  }
}
