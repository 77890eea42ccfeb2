import {
  DomainError,
  type ChannelInfo,
  type CreateChannelInput,
  type DeliveryInfo,
  type Principal,
} from '@aegis/shared';
import { isDuplicateKey } from '../services/errors';
import { newWebhookSecret, seal, type NotifyKeys } from './crypto';
import type { Dispatcher } from './dispatcher';
import type { ChannelDoc, DeliveryDoc } from '../data/repos/notify.repo';
import type { NotifyStore } from '../data/repos/notify.repo';

/** Managing channels (admins): secrets are sealed at rest and a webhook's is shown once. */
export function createChannelService(store: NotifyStore, keys: NotifyKeys, dispatcher: Dispatcher) {
  return {
    async create(
      input: CreateChannelInput,
      actor: Principal,
    ): Promise<{ channel: ChannelInfo; secret: string | null }> {
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
      // The Slack signing secret came from Slack: nothing to show. A webhook's is ours, shown once.
      return { channel: toInfo(doc), secret: input.kind === 'webhook' ? secret : null };
    },

    list: async (): Promise<ChannelInfo[]> => (await store.channels()).map(toInfo),

    async remove(name: string): Promise<void> {
      if (!(await store.removeChannel(name)))
        throw new DomainError('UNKNOWN_CHANNEL', `No channel named "${name}"`);
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
