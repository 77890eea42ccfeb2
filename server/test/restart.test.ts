import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/testServer';
import { trpcClient } from './helpers/trpcClient';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('restart', () => {
  it('keeps agents, policies, audit entries and approvals; ids and the hash chain continue', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'aegis-restart-'));
    dirs.push(dataDir);

    const first = await startTestServer({ dataDir });
    const key = first.adminKey;
    const api1 = trpcClient(first.url, key);
    await api1.sdk.registerAgent.mutate({ name: 'Durable', allows: ['read'], blocks: ['drop'] });
    await api1.agents.setStatus.mutate({ name: 'Durable', status: 'PAUSED' });
    await api1.agents.setStatus.mutate({ name: 'Durable', status: 'ACTIVE' });
    const d1 = await api1.sdk.decide.mutate({ agent: 'Durable', action: 'read' });
    const review = await api1.sdk.decide.mutate({
      agent: 'Durable',
      action: 'wire',
      args: { amount: 5 },
    });
    await first.close({ keepData: true });

    // The store listened on a socket in the data dir, removed on close; no address file is left
    // behind for anyone to trust later (the demo asks the server).
    expect((await readdir(path.join(dataDir, 'store'))).sort()).toEqual(['embedded-mongo.sqlite']);
    expect((await stat(path.join(dataDir, 'store'))).mode & 0o777).toBe(0o700);
    await expect(stat(path.join(dataDir, 'store.json'))).rejects.toMatchObject({ code: 'ENOENT' });

    const second = await startTestServer({ dataDir });
    try {
      expect(second.adminKey).toBe(key);
      const api2 = trpcClient(second.url, key);
      const { agent, policy } = await api2.agents.byName.query({ name: 'Durable' });
      expect(agent).toMatchObject({ status: 'ACTIVE', totalLogs: 2 });
      expect(policy).toMatchObject({ allowed: ['read'], blocked: ['drop'] });
      expect((await api2.approvals.byId.query({ id: review.approvalId! })).status).toBe('PENDING');
      const d2 = await api2.sdk.decide.mutate({ agent: 'Durable', action: 'drop' });
      expect(d2.auditId).toBe(review.auditId + 1);
      expect(d1.auditId).toBeLessThan(d2.auditId);
      const again = await api2.sdk.decide.mutate({
        agent: 'Durable',
        action: 'wire',
        args: { amount: 5 },
      });
      expect(again.approvalId).toBe(review.approvalId);
      expect(await api2.audit.verify.query()).toMatchObject({ ok: true, firstBad: null });
    } finally {
      await second.close({ keepData: true });
    }
  });

  it('rebuilds last activity from calls only, not from a reveal of the arguments', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'aegis-restart-'));
    dirs.push(dataDir);
    const first = await startTestServer({ dataDir });
    const api1 = trpcClient(first.url, first.adminKey);
    await api1.sdk.registerAgent.mutate({ name: 'Quiet', review: ['wire'] });
    const review = await api1.sdk.decide.mutate({ agent: 'Quiet', action: 'wire', args: { n: 1 } });
    const callAt = (await api1.agents.byName.query({ name: 'Quiet' })).agent.lastActivityAt;
    expect(callAt).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await api1.approvals.reveal.mutate({ id: review.approvalId as number });
    expect((await api1.agents.byName.query({ name: 'Quiet' })).agent.lastActivityAt).toBe(callAt);
    await first.close({ keepData: true });

    const second = await startTestServer({ dataDir });
    try {
      const api2 = trpcClient(second.url, second.adminKey);
      const after = await api2.agents.byName.query({ name: 'Quiet' });
      expect(after.agent.lastActivityAt).toBe(callAt);
    } finally {
      await second.close({ keepData: true });
    }
  });
});
