import express, { type Request, type Response, type Router } from 'express';
import {
  hasRole,
  isDomainError,
  type DomainError,
  type DomainErrorCode,
  type Principal,
} from '@aegis/shared';
import type { AegisAuth } from '../auth';
import { readCookies, SESSION_COOKIE } from '../auth/cookies';
import { csrfTokenFor, safeEqual } from '../auth/secrets';
import type { Services } from '../services';
import type { NotifyKeys } from './crypto';
import { channelGeneration, verifyLink, type LinkClaims } from './links';
import { confirmPage, messagePage } from './page';
import { slackActions } from './slack';
import type { NotifyStore } from '../data/repos/notify.repo';

export interface NotifyRouteDeps {
  store: NotifyStore;
  keys: NotifyKeys;
  services: Services;
  auth: AegisAuth;
}

/**
 * `/notify/decide`: GET shows the confirmation page (never changes anything: mail scanners and
 * link previews open links); POST decides. `/notify/slack/:channel`: Slack's interactive callback.
 */
export function notifyRouter(d: NotifyRouteDeps): Router {
  const router = express.Router();

  router.get('/decide', async (req, res) => {
    const token = typeof req.query.t === 'string' ? req.query.t : '';
    const checked = await checkToken(d, token);
    if (!checked.ok)
      return void res
        .status(checked.status)
        .type('html')
        .send(messagePage('Link refused', checked.reason));
    const approval = await d.services.approvals.get(checked.claims.a).catch((e: unknown) => {
      if (isDomainError(e)) return null;
      throw e;
    });
    if (!approval)
      return void res
        .status(404)
        .type('html')
        .send(messagePage('Link refused', `Approval #${checked.claims.a} no longer exists.`));
    const session = readCookies(req).get(SESSION_COOKIE);
    const person = checked.claims.r ?? (await signedInReviewer(d, req))?.name ?? null;
    res.type('html').send(
      confirmPage({
        approval,
        decision: checked.claims.d,
        token,
        csrf: session ? csrfTokenFor(session) : null,
        as: person,
      }),
    );
  });

  router.post(
    '/decide',
    express.urlencoded({ extended: false, limit: '8kb' }),
    async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const token = typeof body.t === 'string' ? body.t : '';
      const checked = await checkToken(d, token);
      if (!checked.ok) return refuse(res, checked.status, checked.reason);
      const { claims } = checked;
      let actor: Principal;
      if (claims.r) {
        // A link made for one reviewer (e-mail): holding it is their signature.
        actor = { keyId: `link:${claims.c}`, name: claims.r, role: 'reviewer', agents: null };
      } else {
        const signedIn = await signedInReviewer(d, req);
        if (!signedIn)
          return refuse(
            res,
            401,
            'Sign in to the dashboard as a reviewer, then open the link again.',
          );
        const session = readCookies(req).get(SESSION_COOKIE);
        // Cookie-authenticated: the form must carry the session's CSRF token (set by the GET page).
        if (
          !req.headers.authorization &&
          (!session ||
            typeof body.csrf !== 'string' ||
            !safeEqual(body.csrf, csrfTokenFor(session)))
        ) {
          return refuse(
            res,
            403,
            'Missing or wrong CSRF token: open the link again and confirm from that page.',
          );
        }
        actor = signedIn;
      }
      const result = await decideOnce(d, claims, actor, `${checked.channel.kind}:${claims.c}`);
      if (!result.ok) return refuse(res, result.status, result.reason);
      res.type('html').send(messagePage(`Approval #${claims.a}`, result.message));
    },
  );

  router.post('/slack/:channel', express.raw({ type: '*/*', limit: '64kb' }), slackActions(d));

  return router;
}

function refuse(res: Response, status: number, reason: string): void {
  res.status(status).type('html').send(messagePage('Not decided', reason));
}

async function signedInReviewer(d: NotifyRouteDeps, req: Request): Promise<Principal | null> {
  const principal = await d.auth.resolvePrincipal(req).catch(() => null);
  return principal && hasRole(principal, 'reviewer') ? principal : null;
}

/**
 * A link's claims and channel, if it is signed, unexpired, its channel still exists — the same
 * channel, not one made again under its name — and, for a link made for one e-mail recipient,
 * that person is still on it. Removing a channel (or a recipient) revokes its links.
 */
export async function checkToken(d: Pick<NotifyRouteDeps, 'keys' | 'store'>, token: string) {
  const checked = verifyLink(d.keys.links, token);
  if (!checked.ok) return checked;
  const { claims } = checked;
  const gone = (reason: string) => ({ ok: false as const, status: 410 as const, reason });
  const channel = await d.store.channel(claims.c);
  if (!channel || claims.g !== channelGeneration(channel))
    return gone(`The channel "${claims.c}" was removed; its links no longer work.`);
  const recipient = claims.r?.toLowerCase();
  if (
    recipient &&
    channel.kind === 'email' &&
    !channel.to.some((to) => to.toLowerCase() === recipient)
  )
    return gone(
      `${claims.r} no longer receives the channel "${claims.c}"; this link no longer works.`,
    );
  return { ...checked, channel };
}

export type DecideResult =
  { ok: true; message: string } | { ok: false; status: number; reason: string };

/**
 * Decides with the link, once per person: its use is recorded by the same update as the vote or
 * decision (approvals.decide's `link`), so a second use is a replay (409), a decision that failed
 * (the database, say) leaves the link usable, and the approval changes state once however many
 * people click at once.
 */
export async function decideOnce(
  d: NotifyRouteDeps,
  claims: LinkClaims,
  actor: Principal,
  via: string,
): Promise<DecideResult> {
  try {
    const a = await d.services.approvals.decide(claims.a, claims.d, false, actor, undefined, {
      via,
      link: `${claims.n}:${actor.name}`,
    });
    if (a.status === 'PENDING') {
      return {
        ok: true,
        message: `Your approval is recorded (${a.votes?.length ?? 0} of ${a.quorum ?? 1}); the call waits for the others.`,
      };
    }
    return {
      ok: true,
      message: `${a.status === 'APPROVED' ? 'Approved' : 'Denied'} by ${actor.name}.`,
    };
  } catch (error) {
    if (isDomainError(error)) return { ok: false, status: statusOf(error), reason: error.message };
    throw error;
  }
}

/** Refusals as HTTP statuses: a decided approval (or a repeat vote) is a 409, the rest as named. */
const STATUS: Partial<Record<DomainErrorCode, number>> = {
  UNKNOWN_APPROVAL: 404,
  APPROVAL_EXPIRED: 410,
  NOT_PERMITTED: 403,
};

function statusOf(error: DomainError): number {
  return STATUS[error.code] ?? 409;
}
