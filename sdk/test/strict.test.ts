import { describe, expect, it } from 'vitest';
import { AegisBlockedError, AegisKilledError, agentContext } from '../src/index';
import { sdkFor, uniqueAgent, useSdkServer } from './helpers/server';

const t = useSdkServer();

describe('strict mode against the real server', () => {
  it('registers an agent with its policy, idempotently', async () => {
    const name = uniqueAgent('reg');
    const handle = t.aegis.agent(name, {
      owner: 'alice',
      description: 'test',
      allows: ['a'],
      blocks: ['b'],
      review: ['c'],
    });
    const first = await handle.register();
    expect(first.policy).toMatchObject({ allowed: ['a'], blocked: ['b'], review: ['c'] });
    const again = await t.aegis
      .agent(name, {
        owner: 'alice',
        description: 'test',
        allows: ['a'],
        blocks: ['b'],
        review: ['c'],
      })
      .register();
    expect(again.changed).toBe(false);
    const api = t.reviewer;
    const byName = await api.agents.byName.query({ name });
    expect(byName.agent.owner).toBe('alice');
  });

  it('runs more concurrent calls than the server accepts in one batch', async () => {
    // The server refuses tRPC batches over 50 calls; the SDK must split its own batches.
    const name = uniqueAgent('burst');
    const handle = t.aegis.agent(name, { allows: ['ping'] });
    const ping = handle.guard((n: number) => n, { action: 'ping' });
    const results = await Promise.all(Array.from({ length: 120 }, (_, i) => ping(i)));
    expect(results).toEqual(Array.from({ length: 120 }, (_, i) => i));
    await t.aegis.flush();
    const { entries } = await t.reviewer.audit.list.query({ agent: name, limit: 200 });
    expect(entries.filter((e) => e.status === 'ALLOWED')).toHaveLength(120);
  });

  it('runs an allowed call and logs it with its outcome', async () => {
    const name = uniqueAgent('allow');
    const handle = t.aegis.agent(name, { allows: ['lookup_balance'] });
    const lookup = handle.guard((q: { customerId: number }) => `balance of ${q.customerId}`, {
      action: 'lookup_balance',
    });
    await expect(lookup({ customerId: 42 })).resolves.toBe('balance of 42');
    await t.aegis.flush();
    const { entries } = await t.reviewer.audit.list.query({ agent: name });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      status: 'ALLOWED',
      action: 'lookup_balance',
      outcome: 'ok',
    });
  });

  it('throws on a blocked call and never runs its body', async () => {
    const name = uniqueAgent('block');
    t.aegis.agent(name, { blocks: ['delete_records'] });
    let ran = false;
    const del = t.aegis.monitor(function delete_records(_table: string) {
      ran = true;
    });
    const error = await agentContext(name, () => del('tmp')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AegisBlockedError);
    expect((error as AegisBlockedError).details.reason).toMatch(/delete_records/);
    expect(ran).toBe(false);
    const { entries } = await t.reviewer.audit.list.query({ agent: name });
    expect(entries.map((e) => e.status)).toEqual(['BLOCKED']);
  });

  it('kills then revives an agent', async () => {
    const name = uniqueAgent('kill');
    const handle = t.aegis.agent(name, { allows: ['ping'] });
    const ping = handle.guard(() => 'pong', { action: 'ping' });
    await expect(ping()).resolves.toBe('pong');
    const api = t.reviewer;
    await api.agents.setStatus.mutate({ name, status: 'PAUSED' });
    await expect(ping()).rejects.toBeInstanceOf(AegisKilledError);
    await api.agents.setStatus.mutate({ name, status: 'ACTIVE' });
    await expect(ping()).resolves.toBe('pong');
  });
});

describe('agent keys', () => {
  it('act for their own agents only', async () => {
    const name = uniqueAgent('scoped');
    const other = uniqueAgent('other');
    await t.aegis.agent(other, { allows: ['ping'] }).register();
    const { key } = await t.reviewer.keys.create.mutate({
      name: 'scoped key',
      role: 'agent',
      agents: [name],
    });
    const scoped = sdkFor({ url: t.server.url, adminKey: key }, { failMode: 'open' });
    try {
      const mine = scoped.agent(name, { allows: ['ping'] });
      await expect(mine.call('ping', {}, () => 'pong')).resolves.toBe('pong');
      let ran = false;
      // Not unreachable, so even failMode 'open' does not run it.
      const error = await scoped
        .agent(other, {})
        .call('ping', {}, () => (ran = true))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'FORBIDDEN' });
      expect(ran).toBe(false);
    } finally {
      await scoped.close();
    }
  });
});
