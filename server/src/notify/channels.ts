import {
  DomainError,
  type ChannelInfo,
  type CreateChannelInput,
  type DeliveryInfo,
  type Principal,
} from '@aegis/shared';
import { isDuplicateKey } from '../services/errors';
import { ACTION } from '../services/actions';
import type { Services } from '../services';
import { newWebhookSecret, seal, type NotifyKeys } from './crypto';
import type { Dispatcher } from './dispatcher';
import type { ChannelDoc, DeliveryDoc } from '../data/repos/notify.repo';
import type { NotifyStore } from '../data/repos/notify.repo';

/**
 * Managing channels (admins): secrets are sealed at rest and a webhook's is shown once. Adding or
 * removing one is recorded as an ACCESS change: a channel's messages carry approve/deny links, so
 * whoever reads it can decide approvals (and a removed channel is one nobody is told on any more).
 */
export function createChannelService(
  store: NotifyStore,
  keys: NotifyKeys,
  dispatcher: Dispatcher,
  audit: Pick<Services['audit'], 'note'>,
  checks: {
    /** Whether AEGIS_SMTP_URL is set: without it an e-mail channel could never send. */
    smtp: boolean;
    /** The rules in force naming a channel (removing it is refused while there are any). */
    rulesNaming: Services['policies']['rulesNaming'];
    /** Runs a removal's check and write with no policy apply in between (rulePolicies.ts). */
    exclusive: Services['policies']['withChannelUseLocked'];
  },
) {
  return {
    async create(
      input: CreateChannelInput,
      actor: Principal,
    ): Promise<{ channel: ChannelInfo; secret: string | null }> {
      // Refused now rather than failing at the first approval, when nobody watches the log.
      if (input.kind === 'email' && !checks.smtp)
        throw new DomainError(
          'SERVER_NOT_CONFIGURED',
          `E-mail channels need the server setting AEGIS_SMTP_URL (smtp://user:pass@host:587 or smtps://…), ` +
            `which is not set on this server: set it and restart the server, then add the channel again`,
        );
      const secret =
        input.kind === 'webhook'
          ? newWebhookSecret()
          : input.kind === 'slack'
            ? (input.signingSecret ?? null)
            : null;
      const url = input.kind === 'email' ? null : input.url;
      const doc: ChannelDoc = {
        name: input.name,
        kind: input.kind,
        url: url && seal(keys.seal, url),
        secret: secret && seal(keys.seal, secret),
        target: url ? new URL(url).origin : input.kind === 'email' ? input.to.join(', ') : '',
        to: input.kind === 'email' ? input.to : [],
        agents: input.agents ?? [],
        createdAt: new Date(),
        createdBy: actor.name,
      };
      try {
        await store.insertChannel(doc);
      } catch (error) {
        if (isDuplicateKey(error))
          throw new DomainError('CHANNEL_EXISTS', `A channel named "${input.name}" exists already`);
        throw error;
      }
      // Only the origin or the addresses: a webhook URL's path may itself be a secret (Slack's is).
      await audit.note(
        {
          agent: '',
          status: 'ACCESS',
          action: ACTION.channelAdd,
          details: `${actor.name} added the ${input.kind} channel "${doc.name}" → ${doc.target}${doc.agents.length ? `, following ${doc.agents.join(', ')}` : ''}`,
          params: { name: doc.name, kind: doc.kind, target: doc.target, agents: doc.agents },
        },
        actor,
      );
      // The Slack signing secret came from Slack: nothing to show. A webhook's is ours, shown once.
      return { channel: toInfo(doc), secret: input.kind === 'webhook' ? secret : null };
    },

    list: async (): Promise<ChannelInfo[]> => (await store.channels()).map(toInfo),

    async remove(name: string, actor: Principal): Promise<void> {
      await checks.exclusive(async () => {
        if (!(await store.channel(name)))
          throw new DomainError('UNKNOWN_CHANNEL', `No channel named "${name}"`);
        // A rule in force that names the channel would announce its approvals (or escalate) to
        // nobody, silently: the rules change first, then the channel goes.
        const users = await checks.rulesNaming(name);
        if (users.length) {
          const shown = users
            .slice(0, 10)
            .map(
              (u) =>
                `${u.agent === null ? 'global policy' : u.agent} rule "${u.ruleId}" (${u.field})`,
            );
          if (users.length > 10) shown.push(`${users.length - 10} more`);
          throw new DomainError(
            'CHANNEL_IN_USE',
            `The channel "${name}" is named by rules in force: ${shown.join(', ')}. ` +
              `Take it out of those rules (\`aegis policy get AGENT|--global\`, edit, \`aegis policy apply\`), then remove it`,
          );
        }
        if (!(await store.removeChannel(name)))
          throw new DomainError('UNKNOWN_CHANNEL', `No channel named "${name}"`);
      });
      await audit.note(
        {
          agent: '',
          status: 'ACCESS',
          action: ACTION.channelRemove,
          details: `${actor.name} removed the channel "${name}": approvals are no longer announced there`,
          params: { name },
        },
        actor,
      );
    },

    /** Queues a test message (no approval, no links). */
    async test(name: string): Promise<void> {
      if (!(await store.channel(name)))
        throw new DomainError('UNKNOWN_CHANNEL', `No channel named "${name}"`);
      await store.enqueue([name], 'test', null, new Date());
      dispatcher.kick();
    },

    deliveries: async (q: {
      channel?: string;
      approvalId?: number;
      limit: number;
    }): Promise<DeliveryInfo[]> => (await store.deliveries(q)).map(toDeliveryInfo),
  };
}
export type ChannelService = ReturnType<typeof createChannelService>;

function toInfo(doc: ChannelDoc): ChannelInfo {
  return {
    name: doc.name,
    kind: doc.kind,
    target: doc.target,
    agents: doc.agents,
    interactive: doc.kind === 'slack' && doc.secret !== null,
    createdAt: doc.createdAt.toISOString(),
    createdBy: doc.createdBy,
  };
}

function toDeliveryInfo(doc: DeliveryDoc): DeliveryInfo {
  return {
    id: doc._id.toHexString(),
    channel: doc.channel,
    event: doc.event,
    approvalId: doc.approvalId,
    status: doc.status,
    attempts: doc.attempts,
    lastError: doc.lastError,
    createdAt: doc.createdAt.toISOString(),
    nextAttemptAt: doc.nextAttemptAt ? doc.nextAttemptAt.toISOString() : null,
    deliveredAt: doc.deliveredAt ? doc.deliveredAt.toISOString() : null,
  };
}
