import { Binary, Long, ObjectId, type Document, type Timestamp } from 'bson';
import type { Oplog } from '../storage/oplog.js';
import { toTimestamp, type OpTime } from '../storage/oplogClock.js';
import type { CommandContext } from './context.js';

/**
 * Constant, so a restarted store is never older than the one a driver saw before: drivers mark a
 * primary with a lower (setVersion, electionId) than the last one stale and stop using it.
 */
const ELECTION_ID = new ObjectId('7fffffff0000000000000001');
// Without auth, mongod signs cluster times with a zero key; drivers echo $clusterTime back unchecked.
const SIGNATURE = { hash: new Binary(Buffer.alloc(20)), keyId: Long.ZERO };

let cachedFor: OpTime | undefined;
let cached: { ts: Timestamp; clusterTime: Document } | undefined;

function clusterTimeOf(oplog: Oplog): { ts: Timestamp; clusterTime: Document } {
  const time = oplog.committedTime;
  if (time !== cachedFor || !cached) {
    const ts = toTimestamp(time);
    cached = { ts, clusterTime: { clusterTime: ts, signature: SIGNATURE } };
    cachedFor = time;
  }
  return cached;
}

/** hello's replica-set fields: one writable primary, known by the address the client used. */
export function replicaSetHello(ctx: CommandContext & { replicaSet: { name: string } }): Document {
  const me = ctx.address ?? 'localhost:27017';
  const { ts } = clusterTimeOf(ctx.store.oplog);
  const opTime = { ts, t: Long.ONE };
  const date = new Date(ts.t * 1000);
  return {
    setName: ctx.replicaSet.name,
    setVersion: 1,
    hosts: [me],
    primary: me,
    me,
    secondary: false,
    electionId: ELECTION_ID,
    lastWrite: { opTime, lastWriteDate: date, majorityOpTime: opTime, majorityWriteDate: date },
  };
}

/** Every reply of a replica-set member carries operationTime and $clusterTime (drivers resume change streams from them). */
export function stampClusterTime(reply: Document, oplog: Oplog): Document {
  const { ts, clusterTime } = clusterTimeOf(oplog);
  reply.operationTime = ts;
  reply.$clusterTime = clusterTime;
  return reply;
}
