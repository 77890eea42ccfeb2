import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { ChannelKind } from '@aegis/shared';

export interface ChannelDoc {
  name: string;
  kind: ChannelKind;
  /** webhook/slack: the URL, sealed (Slack's URL is itself a credential). */
  url: string | null;
  /** webhook: the signing secret; slack: the app's signing secret (interactive buttons). Sealed. */
  secret: string | null;
  /** Shown in lists: the URL's origin, or the addresses. */
  target: string;
  to: string[];
  agents: string[];
  createdAt: Date;
  createdBy: string;
}

export type DeliveryEvent = 'approval.opened' | 'approval.escalated' | 'test';
export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';

/** One message to one channel: the retry queue and the delivery log are the same documents. */
export interface DeliveryDoc {
  _id: Types.ObjectId;
  channel: string;
  event: DeliveryEvent;
  approvalId: number | null;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  /** A server sending it holds it until then; a server that died while sending loses it then. */
  lockedUntil: Date | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

const channelSchema = new Schema<ChannelDoc>(
  {
    name: { type: String, required: true },
    kind: { type: String, enum: ['webhook', 'slack', 'email'], required: true },
    url: { type: String, default: null },
    secret: { type: String, default: null },
    target: { type: String, required: true },
    to: { type: [String], default: [] },
    agents: { type: [String], default: [] },
    createdAt: { type: Date, required: true },
    createdBy: { type: String, required: true },
  },
  { collection: 'notify_channels', versionKey: false, autoIndex: false },
);
channelSchema.index({ name: 1 }, { unique: true });

const deliverySchema = new Schema<DeliveryDoc>(
  {
    channel: { type: String, required: true },
    event: { type: String, required: true },
    approvalId: { type: Number, default: null },
    status: { type: String, required: true },
    attempts: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, default: null },
    lockedUntil: { type: Date, default: null },
    lastError: { type: String, default: null },
    createdAt: { type: Date, required: true },
    deliveredAt: { type: Date, default: null },
  },
  { collection: 'notify_deliveries', versionKey: false, autoIndex: false },
);
deliverySchema.index({ status: 1, nextAttemptAt: 1 });
deliverySchema.index({ channel: 1, _id: -1 });

export interface NotifyModels {
  channels: Model<ChannelDoc>;
  deliveries: Model<DeliveryDoc>;
}

export async function notifyModels(conn: Connection): Promise<NotifyModels> {
  const get = <T>(name: string, schema: Schema<T>) =>
    (conn.models[name] as Model<T> | undefined) ?? conn.model<T>(name, schema);
  const models = {
    channels: get('NotifyChannel', channelSchema),
    deliveries: get('NotifyDelivery', deliverySchema),
  };
  for (const model of Object.values(models)) await (model as Model<unknown>).createIndexes();
  return models;
}
