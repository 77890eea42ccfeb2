import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from 'embedded-mongo';
import { createApp, type AegisApp } from '../app';
import { createLeasesRepo, type LeasesRepo } from '../data/repos/leases.repo';
import { leaseModel } from '../data/models/lease.model';
import { createContextInner } from '../trpc/context';
import { createCallerFactory } from '../trpc/init';
import { appRouter } from '../routers/_app';
import { principals, testServerConfig } from '../../test/helpers/testServer';
import { ClusterMutex } from './clusterMutex';

// Read-then-write steps must not interleave across servers either: two apps on one store.
let store: EmbeddedMongo;
let dataDir: string;
let conn: Connection;
const servers: AegisApp[] = [];
const createCaller = createCallerFactory(appRouter);
const as = (server: AegisApp, principal = principals.agent('TwinBot')) =>
  createCaller(
    createContextInner({ principal, services: server.services, auth: server.auth, requestId: 't' }),
  );

beforeAll(async () => {
  store = await startEmbeddedMongo();
  dataDir = await mkdtemp(path.join(tmpdir(), 'aegis-mutex-'));
  for (let i = 0; i < 2; i++) {
    servers.push(
      await createApp({
        ...testServerConfig({ dataDir }),
        mongoUri: store.uri,
        secret: 'one-binding-secret-for-both',
      }),
    );
  }
  conn = await mongoose.createConnection(store.uri, { dbName: 'aegis' }).asPromise();
  await as(servers[0]!).sdk.registerAgent({ name: 'TwinBot', allows: ['read'], review: ['wire'] });
});
afterAll(async () => {
  for (const server of servers) await server.close();
  await conn.close();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('locks across servers', () => {
  it('identical REVIEW calls on two servers at once open one approval', async () => {
    for (let i = 0; i < 15; i++) {
      const args = { amount: i };
      const answers = await Promise.all(
        servers.flatMap((s) =>
          [0, 1].map(() => as(s).sdk.decide({ agent: 'TwinBot', action: 'wire', args })),
        ),
      );
      expect(answers.every((a) => a.verdict === 'REVIEW')).toBe(true);
      expect(new Set(answers.map((a) => a.approvalId)).size).toBe(1);
    }
    expect(await conn.collection('approvals').countDocuments({ agent: 'TwinBot' })).toBe(15);
  });

  it('a call retried on the other server while the first is in flight uses one approval', async () => {
    const args = { amount: 'retried' };
    const opened = await as(servers[0]!).sdk.decide({ agent: 'TwinBot', action: 'wire', args });
    await as(servers[1]!, principals.reviewer).approvals.decide({
      id: opened.approvalId!,
      decision: 'APPROVED',
    });
    const answers = await Promise.all(
      servers.map((s) =>
        as(s).sdk.decide({ agent: 'TwinBot', action: 'wire', args, callId: 'retried-call-0001' }),
      ),
    );
    expect(answers.map((a) => a.verdict)).toEqual(['ALLOWED', 'ALLOWED']);
    expect(answers[0]!.auditId).toBe(answers[1]!.auditId);
    const approval = await conn.collection('approvals').findOne({ id: opened.approvalId });
    expect(approval?.consumedAt).toBeInstanceOf(Date);
  });

  it('two mutexes on one database never run a key at once; other keys run freely', async () => {
    const leases = createLeasesRepo(leaseModel(conn));
    const mutexes = [new ClusterMutex(leases), new ClusterMutex(leases)];
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        mutexes[i % 2]!.run('shared-key', async () => {
          most = Math.max(most, ++inside);
          await new Promise((resolve) => setTimeout(resolve, 2));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(await conn.collection('leases').countDocuments({ _id: 'shared-key' as never })).toBe(0);
  });

  it("a busy key's lease passes from task to task in one process, and still reaches the other server", async () => {
    const real = createLeasesRepo(leaseModel(conn));
    const calls = { takes: 0, releases: 0 };
    // The real repo, counted: how many store round trips the lease costs.
    const counted: LeasesRepo = {
      tryTake: (...a) => (calls.takes++, real.tryTake(...a)),
      release: (...a) => (calls.releases++, real.release(...a)),
      want: (...a) => real.want(...a),
    };
    const busy = new ClusterMutex(counted);
    const other = new ClusterMutex(real);
    let inside = 0;
    let most = 0;
    const order: string[] = [];
    const task = (who: string) => async () => {
      most = Math.max(most, ++inside);
      order.push(who);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inside--;
    };
    // 30 tasks queued together on one server: the lease goes back to the store after 16 tasks
    // at most (so two takes and two releases, where each task took and released one before).
    await Promise.all(Array.from({ length: 30 }, () => busy.run('busy-key', task('busy'))));
    expect(calls).toEqual({ takes: 2, releases: 2 });
    expect(most).toBe(1);
    // 200 queued on one server, then one on the other: it runs long before the 200 are done (it
    // marks the lease wanted; the holder gives it back and leaves it a turn), never beside one.
    order.length = 0;
    const many = Array.from({ length: 200 }, () => busy.run('busy-key', task('busy')));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const theirs = other.run('busy-key', task('other'));
    await Promise.all([...many, theirs]);
    expect(most).toBe(1);
    expect(order.indexOf('other')).toBeGreaterThan(0);
    expect(order.indexOf('other')).toBeLessThan(100);
    expect(await conn.collection('leases').countDocuments({ _id: 'busy-key' as never })).toBe(0);
  });

  it("a crashed holder's lease is taken over once it expires", async () => {
    const leases = createLeasesRepo(leaseModel(conn));
    expect(await leases.tryTake('orphan', 'dead-server:1', 50)).toBe(true);
    expect(await leases.tryTake('orphan', 'live-server:1', 50)).toBe(false);
    const ran = await new ClusterMutex(leases).run('orphan', () => Promise.resolve('ran'));
    expect(ran).toBe('ran');
    // The dead holder's late release frees nothing that is not its own.
    expect(await leases.tryTake('orphan', 'live-server:2', 10_000)).toBe(true);
    await leases.release('orphan', 'dead-server:1');
    expect(await leases.tryTake('orphan', 'live-server:3', 10_000)).toBe(false);
  });
});
