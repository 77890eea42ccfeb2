import type { Document } from 'bson';
import { MAX_BSON_SIZE, MAX_MESSAGE_SIZE, MAX_WRITE_BATCH } from '../limits.js';
import type { CommandHandler } from './context.js';
import { opcounters } from './opcounters.js';
import { replicaSetHello } from './replicaSet.js';

/**
 * hello/isMaster: wire version 21 (MongoDB 7.0) with logical sessions, as the primary of a
 * one-node replica set (setName, hosts) unless the store runs as a standalone. Drivers then allow
 * change streams and make writes retryable (lsid + txnNumber), as against a real deployment.
 * No topologyVersion: that would switch drivers to the streaming (exhaust) hello protocol,
 * which expects long-polled moreToCome replies; without it they poll, which suits one local node.
 */
const hello: CommandHandler = (cmd, ctx) => {
  const reply: Document = {
    isWritablePrimary: true,
    ismaster: true,
    maxBsonObjectSize: MAX_BSON_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE,
    maxWriteBatchSize: MAX_WRITE_BATCH,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: ctx.connectionId,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1,
  };
  if (cmd.helloOk === true) reply.helloOk = true;
  if (ctx.replicaSet) Object.assign(reply, replicaSetHello({ ...ctx, replicaSet: ctx.replicaSet }));
  return reply;
};

const buildInfo: CommandHandler = () => ({
  version: '7.0.0',
  gitVersion: 'embedded-mongo',
  versionArray: [7, 0, 0, 0],
  bits: 64,
  maxBsonObjectSize: MAX_BSON_SIZE,
  storageEngines: ['sqlite'],
  ok: 1,
});

const serverStatus: CommandHandler = (_cmd, ctx) => ({
  host: 'embedded-mongo',
  version: '7.0.0',
  process: 'embedded-mongo',
  pid: process.pid,
  uptime: Math.floor(process.uptime()),
  localTime: new Date(),
  connections: { current: 1, available: 1000 },
  opcounters: { ...opcounters },
  metrics: {
    cursor: { open: { total: ctx.cursors.size + (ctx.changeStreams?.size ?? 0) } },
    changeStreams: { open: ctx.changeStreams?.size ?? 0, waiting: ctx.changeStreams?.waitingCount ?? 0, wakeups: ctx.changeStreams?.wakeups ?? 0 },
  },
  ...(ctx.replicaSet ? { repl: { setName: ctx.replicaSet.name, isWritablePrimary: true, primary: ctx.address } } : {}),
  ok: 1,
});

const ok: CommandHandler = () => ({ ok: 1 });

export const handshakeCommands: Record<string, CommandHandler> = {
  hello,
  ismaster: hello,
  ping: ok,
  buildinfo: buildInfo,
  serverstatus: serverStatus,
  endsessions: ok,
  killallsessions: ok,
  hostinfo: () => ({ system: { hostname: 'localhost' }, os: {}, extra: {}, ok: 1 }),
  whatsmyuri: () => ({ you: '127.0.0.1:0', ok: 1 }),
  getparameter: () => ({ featureCompatibilityVersion: { version: '7.0' }, ok: 1 }),
  getcmdlineopts: () => ({ argv: ['embedded-mongo'], parsed: {}, ok: 1 }),
  connectionstatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
};
