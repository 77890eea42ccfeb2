import { Types, type Connection } from 'mongoose';
import { approvalModel } from '../models/approval.model';
import { counterModel } from '../models/counter.model';
import {
  notifyModels,
  type ChannelDoc,
  type DeliveryDoc,
  type DeliveryEvent,
  type NotifyModels,
} from '../models/notify.model';
import { createApprovalsRepo } from './approvals.repo';

export type { ChannelDoc, DeliveryDoc, DeliveryEvent } from '../models/notify.model';

/** The notifier's repositories: its own collections, and its handle on approvals (escalation claims). */
export async function createNotifyRepos(conn: Connection) {
  return {
    store: createNotifyStore(await notifyModels(conn)),
    approvals: createApprovalsRepo(approvalModel(conn), counterModel(conn)),
  };
}

/** How long a server may hold a delivery while it sends it. */
const SEND_LEASE_MS = 60_000;

/** The notifier's repository: channels and the delivery queue/log (a link's use is kept on its approval). */
export function createNotifyStore(m: NotifyModels) {
  return {
    insertChannel: async (doc: ChannelDoc) => {
      await m.channels.collection.insertOne({ ...doc });
    },
    channel: (name: string) => m.channels.findOne({ name }).lean<ChannelDoc | null>(),
    channels: () => m.channels.find({}).sort({ name: 1 }).lean<ChannelDoc[]>(),
    removeChannel: async (name: string) =>
      (await m.channels.deleteOne({ name })).deletedCount === 1,

    /** Queues one message per channel, due now. */
    enqueue: async (
      channels: readonly string[],
      event: DeliveryEvent,
      approvalId: number | null,
      now: Date,
    ) => {
      if (!channels.length) return;
      await m.deliveries.collection.insertMany(
        channels.map((channel) => ({
          _id: new Types.ObjectId(),
          channel,
          event,
          approvalId,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          lockedUntil: null,
          lastError: null,
          createdAt: now,
          deliveredAt: null,
        })),
      );
    },

    /**
     * Takes one due delivery for this server: pending and due, or left `sending` by a server that
     * stopped before finishing. One conditional update, so two servers never take the same one.
     */
    claimDue: (now: Date) =>
      m.deliveries
        .findOneAndUpdate(
          {
            $or: [
              { status: 'pending', nextAttemptAt: { $lte: now } },
              { status: 'sending', lockedUntil: { $lte: now } },
            ],
          },
          {
            $set: { status: 'sending', lockedUntil: new Date(now.getTime() + SEND_LEASE_MS) },
            $inc: { attempts: 1 },
          },
          { sort: { nextAttemptAt: 1 }, returnDocument: 'after' },
        )
        .lean<DeliveryDoc | null>(),

    delivered: async (id: string, now: Date) => {
      await m.deliveries.updateOne(
        { _id: new Types.ObjectId(id) },
        {
          $set: {
            status: 'delivered',
            deliveredAt: now,
            lockedUntil: null,
            nextAttemptAt: null,
            lastError: null,
          },
        },
      );
    },

    /** A failed attempt: retried at `retryAt`, or failed for good when null. */
    failed: async (id: string, error: string, retryAt: Date | null) => {
      await m.deliveries.updateOne(
        { _id: new Types.ObjectId(id) },
        {
          $set: {
            status: retryAt ? 'pending' : 'failed',
            nextAttemptAt: retryAt,
            lockedUntil: null,
            lastError: error.slice(0, 500),
          },
        },
      );
    },

    deliveries: (q: { channel?: string; approvalId?: number; limit: number }) =>
      m.deliveries
        .find({
          ...(q.channel ? { channel: q.channel } : {}),
          ...(q.approvalId ? { approvalId: q.approvalId } : {}),
        })
        .sort({ _id: -1 })
        .limit(q.limit)
        .lean<DeliveryDoc[]>(),
  };
}
export type NotifyStore = ReturnType<typeof createNotifyStore>;
