import type { Logger } from 'pino';
import { DomainError, type Approval } from '@aegis/shared';
import { nameMatcher } from '@aegis/shared';
import type { ApprovalDoc } from '../data/repos/approvals.repo';
import type { ApprovalsRepo } from '../data/repos/approvals.repo';
import type { Services } from '../services';
import { unseal, type NotifyKeys } from './crypto';
import type { NotifyEnv } from './env';
import { channelGeneration, signLink } from './links';
import { emailMessage, slackMessage, webhookPayload, type MessageLinks } from './messages';
import type { ChannelDoc, DeliveryDoc } from '../data/repos/notify.repo';
import { postJson, postSignedWebhook, type Mailer } from './senders';
import type { NotifyStore } from '../data/repos/notify.repo';

const MAX_PER_TICK = 100;

export interface DispatcherDeps {
  store: NotifyStore;
  approvalsRepo: ApprovalsRepo;
  approvals: Services['approvals'];
  keys: NotifyKeys;
  env: NotifyEnv;
  mailer: Mailer | null;
  publicUrl: string;
  logger: Logger;
}

/**
 * Sends what the queue holds. Every server runs one: deliveries and lapsed SLAs are claimed with
 * conditional updates in the database, so each is sent by one server, and a server that stops
 * mid-send leaves its delivery to another once the lease runs out.
 */
export function createDispatcher(d: DispatcherDeps) {
  const { store, env, logger } = d;
  let running: Promise<void> | null = null;
  let again = false;

  /** Channels to tell about a new approval: the rule's `notify`, and channels following the agent. */
  async function channelsFor(doc: ApprovalDoc): Promise<string[]> {
    const named = new Set(doc.notify ?? []);
    for (const channel of await store.channels()) {
      if (channel.agents.length && nameMatcher(channel.agents)(doc.agent)) named.add(channel.name);
    }
    return [...named];
  }

  async function approvalOpened(doc: ApprovalDoc): Promise<void> {
    if (doc.kind === 'result') return;
    await store.enqueue(await channelsFor(doc), 'approval.opened', doc.id, new Date());
    kick();
  }

  function links(
    channel: ChannelDoc,
    approval: Approval,
    reviewer: string | null,
    now: number,
  ): MessageLinks {
    const expires = Math.min(Date.parse(approval.expiresAt), now + env.AEGIS_LINK_TTL_MS);
    const link = (decision: 'APPROVED' | 'DENIED') =>
      `${d.publicUrl}/notify/decide?t=${signLink(d.keys.links, { a: approval.id, d: decision, c: channel.name, g: channelGeneration(channel), r: reviewer, e: expires })}`;
    return {
      approve: link('APPROVED'),
      deny: link('DENIED'),
      dashboard: `${d.publicUrl}/approvals`,
    };
  }

  async function send(delivery: DeliveryDoc): Promise<void> {
    const channel = await store.channel(delivery.channel);
    // Most often a rule's `notify:` names a channel nobody added yet (nothing checks the name
    // when the policy is saved): say that, and how to add it.
    if (!channel)
      throw new Permanent(
        `channel "${delivery.channel}" does not exist (never added, or removed since): ` +
          `add it with \`aegis channels add ${delivery.channel} --webhook URL | --slack URL | --email …\`, ` +
          `or take it out of the rule's notify`,
      );
    let approval: Approval | null = null;
    if (delivery.approvalId !== null) {
      approval = await d.approvals.get(delivery.approvalId).catch((e: unknown) => {
        if (e instanceof DomainError) throw new Permanent(e.message);
        throw e;
      });
      if (approval.status !== 'PENDING')
        throw new Permanent(
          `approval #${approval.id} is already ${approval.status.toLowerCase()}; not sent`,
        );
    }
    const now = Date.now();
    const id = delivery._id.toHexString();
    switch (channel.kind) {
      case 'webhook': {
        const body = JSON.stringify(
          webhookPayload(
            delivery.event,
            id,
            approval,
            approval && links(channel, approval, null, now),
          ),
        );
        return postSignedWebhook(
          unseal(d.keys.seal, channel.url!),
          unseal(d.keys.seal, channel.secret!),
          id,
          body,
          now,
        );
      }
      case 'slack': {
        const interactive = channel.secret !== null;
        const buttons =
          approval && interactive
            ? {
                approve: signLink(
                  d.keys.links,
                  tokenClaims(channel, approval, 'APPROVED', now, env.AEGIS_LINK_TTL_MS),
                ),
                deny: signLink(
                  d.keys.links,
                  tokenClaims(channel, approval, 'DENIED', now, env.AEGIS_LINK_TTL_MS),
                ),
              }
            : null;
        const message = slackMessage(
          delivery.event,
          approval,
          approval && links(channel, approval, null, now),
          buttons,
        );
        return postJson(unseal(d.keys.seal, channel.url!), JSON.stringify(message));
      }
      case 'email': {
        // No retry can help until the server is restarted with AEGIS_SMTP_URL.
        if (!d.mailer)
          throw new Permanent('AEGIS_SMTP_URL is not set: e-mail channels cannot send');
        for (const to of channel.to) {
          const mail = emailMessage(
            delivery.event,
            approval,
            approval && links(channel, approval, to, now),
          );
          await d.mailer.send({ from: env.AEGIS_SMTP_FROM, to, ...mail });
        }
        return;
      }
    }
  }

  async function attempt(delivery: DeliveryDoc): Promise<void> {
    try {
      await send(delivery);
      await store.delivered(delivery._id.toHexString(), new Date());
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const retry =
        !(error instanceof Permanent) && delivery.attempts < env.AEGIS_NOTIFY_MAX_ATTEMPTS;
      const retryAt = retry
        ? new Date(Date.now() + env.AEGIS_NOTIFY_RETRY_MS * 2 ** (delivery.attempts - 1))
        : null;
      await store.failed(delivery._id.toHexString(), message, retryAt);
      logger.warn(
        { channel: delivery.channel, attempts: delivery.attempts, retryAt, err: message },
        'notification not delivered',
      );
    }
  }

  async function tick(): Promise<void> {
    const now = new Date();
    for (let i = 0; i < MAX_PER_TICK; i++) {
      const lapsed = await d.approvalsRepo.claimEscalation(now);
      if (!lapsed) break;
      await store.enqueue(lapsed.escalateTo ?? [], 'approval.escalated', lapsed.id, now);
    }
    const sends: Promise<void>[] = [];
    for (let i = 0; i < MAX_PER_TICK; i++) {
      const due = await store.claimDue(new Date());
      if (!due) break;
      sends.push(attempt(due));
    }
    await Promise.all(sends);
  }

  /** Runs a tick now (after a new approval), or once more after the one running. */
  function kick(): void {
    if (running) {
      again = true;
      return;
    }
    running = tick()
      .catch((error: unknown) => logger.warn({ err: error }, 'notification tick failed'))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  const timer = setInterval(kick, env.AEGIS_NOTIFY_TICK_MS);
  timer.unref();

  return {
    approvalOpened,
    kick,
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
export type Dispatcher = ReturnType<typeof createDispatcher>;

/** A failure no retry can fix (the channel or the approval is gone). */
class Permanent extends Error {}

function tokenClaims(
  channel: ChannelDoc,
  approval: Approval,
  decision: 'APPROVED' | 'DENIED',
  now: number,
  ttl: number,
) {
  return {
    a: approval.id,
    d: decision,
    c: channel.name,
    g: channelGeneration(channel),
    r: null,
    e: Math.min(Date.parse(approval.expiresAt), now + ttl),
  };
}
