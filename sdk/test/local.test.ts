import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AegisBlockedError,
  AegisKilledError,
  AegisUnavailableError,
  type DecisionEvent,
} from '../src/index';
import {
  reviewerFor,
  sdkFor,
  startTestServer,
  uniqueAgent,
  watchFor,
  type TestServer,
} from './helpers/server';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'aegis-sdk-local-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('local mode', () => {
  it('decides in-process, and the kill-switch bites as soon as its event arrives', async () => {
    const server = await startTestServer();
    const sources: DecisionEvent['source'][] = [];
    const aegis = sdkFor(server, {
      mode: 'local',
      spoolPath: path.join(scratch, 'kill.jsonl'),
      onDecision: (e) => void sources.push(e.source),
    });
    try {
      const name = uniqueAgent('local-kill');
      const handle = aegis.agent(name, { allows: ['ping'] });
      await expect(handle.call('ping', {}, () => 'pong')).resolves.toBe('pong');
      const paused = await watchFor(aegis, (e) =>
        e.type === 'agent.status' && e.agent === name && e.status === 'PAUSED' ? true : undefined,
      );
      await reviewerFor(server).agents.setStatus.mutate({ name, status: 'PAUSED' });
      await paused.event;
      let ran = false;
      await expect(handle.call('ping', {}, () => (ran = true))).rejects.toBeInstanceOf(
        AegisKilledError,
      );
      expect(ran).toBe(false);
      expect(sources).toEqual(['local', 'local']);
      await aegis.flush();
      const { entries } = await reviewerFor(server).audit.list.query({ agent: name });
      // the agent's two calls, and (issue 12) the reviewer's kill-switch as a person's action
      expect(entries.map((e) => `${e.status}/${e.source}`).sort()).toEqual([
        'ALLOWED/agent',
        'KILLED/agent',
        'PAUSED/person',
      ]);
    } finally {
      await aegis.close();
      await server.close();
    }
  });

  it('a policy change pushed by the server applies to the next local decision', async () => {
    const server = await startTestServer();
    const aegis = sdkFor(server, { mode: 'local', spoolPath: path.join(scratch, 'policy.jsonl') });
    try {
      const name = uniqueAgent('local-policy');
      const handle = aegis.agent(name, { allows: ['transfer'] });
      await expect(handle.call('transfer', { amount: 1 }, () => 'sent')).resolves.toBe('sent');
      const { policy } = await handle.register();
      const changed = await watchFor(aegis, (e) =>
        e.type === 'policy.changed' && e.agent === name && e.version > policy.version
          ? true
          : undefined,
      );
      await reviewerFor(server).policies.set.mutate({
        agent: name,
        action: 'transfer',
        rule: 'BLOCK',
      });
      await changed.event;
      await expect(handle.call('transfer', { amount: 2 }, () => 'sent')).rejects.toBeInstanceOf(
        AegisBlockedError,
      );
    } finally {
      await aegis.close();
      await server.close();
    }
  });

  it('sends REVIEW to the server, and an approval is honoured once', async () => {
    const server = await startTestServer();
    const aegis = sdkFor(server, { mode: 'local', spoolPath: path.join(scratch, 'review.jsonl') });
    try {
      const name = uniqueAgent('local-review');
      const handle = aegis.agent(name, { allows: ['ping'], review: ['export'] });
      const created = await watchFor(aegis, (e) =>
        e.type === 'approval.created' && e.approval.agent === name ? e.approval.id : undefined,
      );
      const call = handle.call('export', { list: 'all' }, () => 'exported');
      await reviewerFor(server).approvals.decide.mutate({
        id: await created.event,
        decision: 'APPROVED',
      });
      await expect(call).resolves.toBe('exported');
      await aegis.flush();
      const { entries } = await reviewerFor(server).audit.list.query({ agent: name });
      expect(entries.map((e) => e.status).sort()).toEqual(['ALLOWED', 'APPROVED', 'PENDING']);
    } finally {
      await aegis.close();
      await server.close();
    }
  });

  it('spools while the server is down and replays every entry exactly once after it restarts', async () => {
    const dataDir = path.join(scratch, 'restart-data');
    const spoolPath = path.join(scratch, 'restart.jsonl');
    const first = await startTestServer({ dataDir });
    const { port, adminKey, url } = first;
    const aegis = sdkFor({ url, adminKey }, { mode: 'local', spoolPath, staleAfterMs: 600_000 });
    const name = uniqueAgent('local-spool');
    const handle = aegis.agent(name, { allows: ['ping'] });
    let second: TestServer | undefined;
    try {
      for (let i = 0; i < 5; i++) await handle.call('ping', { i }, () => i);
      await aegis.flush();

      await first.close({ keepData: true });
      for (let i = 5; i < 25; i++) await handle.call('ping', { i }, () => i);
      await aegis.flush(); // the server is down: this spools
      const spooled = (await readFile(spoolPath, 'utf8')).trim().split('\n');
      expect(spooled).toHaveLength(20);

      second = await startTestServer({ dataDir, port });
      await aegis.flush(); // replays the spool
      await aegis.flush(); // a second replay attempt must not duplicate anything
      const { entries } = await reviewerFor({ url, adminKey }).audit.list.query({
        agent: name,
        limit: 100,
      });
      expect(entries).toHaveLength(25);
      expect(new Set(entries.map((e) => e.callId)).size).toBe(25);
      expect(entries.every((e) => e.status === 'ALLOWED')).toBe(true);
      // Each outcome was spooled with its record and replayed with it.
      expect(entries.every((e) => e.outcome === 'ok')).toBe(true);
      expect((await readFile(spoolPath, 'utf8')).trim()).toBe('');
    } finally {
      await aegis.close();
      await second?.stop();
      await first.close();
    }
  });

  it('fails closed when the snapshot stream is down longer than staleAfterMs', async () => {
    const server = await startTestServer({ inMemoryStore: true });
    const { url, adminKey } = server;
    await server.close();
    const aegis = sdkFor(
      { url, adminKey },
      { mode: 'local', staleAfterMs: 0, spoolPath: path.join(scratch, 'stale.jsonl') },
    );
    let ran = false;
    const error = await aegis
      .agent('stale-agent', { allows: ['ping'] })
      .call('ping', {}, () => (ran = true))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AegisUnavailableError);
    expect(ran).toBe(false);
    await aegis.close();
  });
});
