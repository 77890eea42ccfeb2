import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { trpcClient } from '../helpers/trpcClient';

process.env.AEGIS_NOTIFY_TICK_MS = '100';

// A policy naming a channel that does not exist is refused when saved (channelChecks.test.ts),
// and a channel rules name can't be removed; a policy stored before those checks, or a channel
// deleted behind Aegis's back, still reaches the dispatcher. The delivery log must then say the
// channel doesn't exist and how to add it, not that it "no longer exists".

let server: TestServer;
let admin: ReturnType<typeof trpcClient>;

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = trpcClient(server.url, server.adminKey);
  await admin.sdk.registerAgent.mutate({ name: 'WireBot', allows: ['read'] });
  await admin.channels.create.mutate({
    name: 'ops-slack',
    kind: 'webhook',
    url: 'http://127.0.0.1:9/x',
  });
  const applied = await admin.policies.applyRules.mutate({
    yaml: `
kind: AgentPolicy
agent: WireBot
rules:
  - id: big-wires
    actions: [wire_transfer]
    effect: REVIEW
    notify: [ops-slack]
`,
  });
  expect(applied.ok).toBe(true);
  await server.store.connection.collection('notify_channels').deleteOne({ name: 'ops-slack' });
}, 60_000);
afterAll(async () => {
  await server?.close();
});

describe('a rule that notifies a channel nobody added', () => {
  it('the delivery fails saying the channel does not exist and how to add it', async () => {
    const d = await admin.sdk.decide.mutate({
      agent: 'WireBot',
      action: 'wire_transfer',
      args: {},
    });
    expect(d.verdict).toBe('REVIEW');
    let failed: { status: string; lastError: string | null } | undefined;
    for (let i = 0; i < 300 && !failed; i++) {
      const log = await admin.channels.deliveries.query({ channel: 'ops-slack' });
      failed = log.find((entry) => entry.status === 'failed');
      if (!failed) await new Promise((r) => setTimeout(r, 100));
    }
    expect(failed?.lastError).toBe(
      'channel "ops-slack" does not exist (never added, or removed since): add it with ' +
        '`aegis channels add ops-slack --webhook URL | --slack URL | --email …`, ' +
        "or take it out of the rule's notify",
    );
  });
});
