import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A short lock held in the database, so a read-then-write runs on one server at a time whichever
 * server took the request (services/clusterMutex.ts). `_id` is the lock's key; `token` names the
 * one holder, so a late release never frees a lock another holder took over after expiry.
 */
export interface LeaseDoc {
  _id: string;
  token: string;
  expiresAt: Date;
  /** Set by another holder-to-be that found it taken: the holder then leaves it a turn. */
  wanted?: boolean;
}

const leaseSchema = new Schema<LeaseDoc>(
  {
    _id: { type: String, required: true },
    token: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    wanted: { type: Boolean },
  },
  { collection: 'leases', versionKey: false, autoIndex: false },
);
// Leases of a crashed server are taken over when expired (leases.repo.ts); the TTL index only
// keeps the collection small.
leaseSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 3600 });

export function leaseModel(conn: Connection): Model<LeaseDoc> {
  return (
    (conn.models.Lease as Model<LeaseDoc> | undefined) ?? conn.model<LeaseDoc>('Lease', leaseSchema)
  );
}
