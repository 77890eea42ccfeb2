import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { trpcClient } from '../helpers/trpcClient';
import { call } from '../rest/restClient';

// Configuration mistakes about notification channels are refused when they are made, not found
// at the first delivery: a rule naming a channel nobody added, removing a channel rules name, an
// e-mail channel on a server that has no SMTP server configured.

let server: TestServer;
let admin: ReturnType<typeof trpcClient>;

const policy = (agent: string, channels: { notify?: string; escalate?: string }) => `
kind: AgentPolicy
agent: ${agent}
rules:
  - id: read
    actions: [read]
    effect: ALLOW
  - id: big-wires
    actions: [wire_transfer]
    effect: REVIEW${channels.notify ? `\n    notify: [${channels.notify}]` : ''}${
      channels.escalate
        ? `\n    approval:\n      sla: 5m\n      escalate: [${channels.escalate}]`
        : ''
    }
`;

const GLOBAL = `
kind: GlobalPolicy
rules:
  - id: deletes
    actions: ['delete_*']
    effect: REVIEW
    notify: [sec-team]
`;

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = trpcClient(server.url, server.adminKey);
  await admin.sdk.registerAgent.mutate({ name: 'WireBot', allows: ['read'] });
  await admin.sdk.registerAgent.mutate({ name: 'PayBot', allows: ['read'] });
}, 60_000);
afterAll(async () => {
  await server?.close();
});

describe('a policy whose rules name a channel that does not exist', () => {
  it('is refused over tRPC, on a dry run too, naming the rule, the channel and how to add it', async () => {
    for (const dryRun of [true, false]) {
      const result = await admin.policies.applyRules.mutate({
        yaml: policy('WireBot', { notify: 'ops-slack' }),
        file: 'wirebot.yaml',
        dryRun,
      });
      expect(result).toMatchObject({ ok: false, dryRun, policies: [] });
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatchObject({ ruleId: 'big-wires', line: 11 });
      expect(result.problems[0]!.text).toBe(
        'wirebot.yaml:11:14: rule "big-wires" notify: channel "ops-slack" does not exist: add it first with ' +
          '`aegis channels add ops-slack --webhook URL | --slack URL | --email a@x,b@y` ' +
          '(`aegis channels list` shows the channels there are), or take it out of the rule',
      );
    }
    // Nothing was stored.
    expect((await admin.policies.document.query({ agent: 'WireBot' })).document).toBeNull();
  });

  it('checks escalate: and the global policy too, and over REST', async () => {
    const escalate = await admin.policies.applyRules.mutate({
      yaml: policy('WireBot', { escalate: 'on-call' }),
      dryRun: true,
    });
    expect(escalate.problems.map((p) => p.text)).toEqual([
      expect.stringMatching(
        /^13:18: rule "big-wires" approval\.escalate: channel "on-call" does not exist: add it first/,
      ),
    ]);

    const rest = await call(server.url, '/policy-documents/apply', {
      method: 'POST',
      key: server.adminKey,
      body: { yaml: GLOBAL },
    });
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({
      ok: false,
      problems: [
        { ruleId: 'deletes', text: expect.stringContaining('channel "sec-team" does not exist') },
      ],
    });
    expect((await admin.policies.document.query({})).document).toBeNull();
  });

  it('is stored once the channel exists', async () => {
    await admin.channels.create.mutate({
      name: 'ops-slack',
      kind: 'webhook',
      url: 'http://127.0.0.1:9/a',
    });
    const result = await admin.policies.applyRules.mutate({
      yaml: policy('WireBot', { notify: 'ops-slack' }),
    });
    expect(result).toMatchObject({ ok: true, problems: [] });
  });
});

describe('removing a channel that rules in force name', () => {
  it('is refused (409) naming the rules; allowed once no rule names it', async () => {
    await admin.channels.create.mutate({
      name: 'sec-team',
      kind: 'webhook',
      url: 'http://127.0.0.1:9/b',
    });
    expect((await admin.policies.applyRules.mutate({ yaml: GLOBAL })).ok).toBe(true);
    expect(
      (await admin.policies.applyRules.mutate({ yaml: policy('PayBot', { escalate: 'sec-team' }) }))
        .ok,
    ).toBe(true);

    await expect(admin.channels.remove.mutate({ name: 'sec-team' })).rejects.toMatchObject({
      message:
        'The channel "sec-team" is named by rules in force: global policy rule "deletes" (notify), ' +
        'PayBot rule "big-wires" (escalate). Take it out of those rules (`aegis policy get AGENT|--global`, ' +
        'edit, `aegis policy apply`), then remove it',
      data: { httpStatus: 409, aegisCode: 'CHANNEL_IN_USE' },
    });
    expect((await admin.channels.list.query()).map((c) => c.name)).toContain('sec-team');

    await admin.policies.applyRules.mutate({
      yaml: GLOBAL.replace('    notify: [sec-team]\n', ''),
    });
    await admin.policies.applyRules.mutate({ yaml: policy('PayBot', {}) });
    await admin.channels.remove.mutate({ name: 'sec-team' });
    expect((await admin.channels.list.query()).map((c) => c.name)).not.toContain('sec-team');
  });

  it('a rollback to a version naming a removed channel is refused (409) saying which', async () => {
    const versions = await admin.policies.history.query({ agent: 'PayBot', limit: 10 });
    const escalating = versions.find((v) => JSON.stringify(v.document).includes('sec-team'));
    expect(escalating).toBeDefined();
    await expect(
      admin.policies.rollback.mutate({ agent: 'PayBot', version: escalating!.version }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('rule "big-wires" escalate: sec-team'),
      data: { httpStatus: 409, aegisCode: 'POLICY_NAMES_UNKNOWN_CHANNEL' },
    });
    const rest = await call(server.url, '/policy-documents/rollback', {
      method: 'POST',
      key: server.adminKey,
      body: { agent: 'PayBot', version: escalating!.version },
    });
    // REST answers CONFLICT as 400, as the seed did.
    expect(rest.status).toBe(400);
    expect((rest.body as { detail: string }).detail).toContain('aegis channels add');
  });
});

describe('a policy apply racing the removal of the channel it names', () => {
  it('never leaves a rule in force naming a channel that was removed', async () => {
    await admin.sdk.registerAgent.mutate({ name: 'RaceBot', allows: ['read'] });
    const outcomes = { applied: 0, removed: 0 };
    for (let i = 0; i < 12; i++) {
      const name = `race-${i}`;
      await admin.channels.create.mutate({ name, kind: 'webhook', url: 'http://127.0.0.1:9/r' });
      // Both start together: each checks the other's state, then writes.
      const [applied, removed] = await Promise.allSettled([
        admin.policies.applyRules.mutate({ yaml: policy('RaceBot', { notify: name }) }),
        admin.channels.remove.mutate({ name }),
      ]);
      const channelGone = !(await admin.channels.list.query()).some((c) => c.name === name);
      const inForce = await admin.policies.document.query({ agent: 'RaceBot' });
      const named = JSON.stringify(inForce.document).includes(name);
      // Exactly one of them wins; never both.
      expect({ i, channelGone, named }).not.toMatchObject({ channelGone: true, named: true });
      if (applied.status === 'fulfilled' && applied.value.ok) outcomes.applied++;
      if (removed.status === 'fulfilled') outcomes.removed++;
      // Back to a policy naming no channel, and no channel, for the next round.
      await admin.policies.applyRules.mutate({ yaml: policy('RaceBot', {}) });
      if (!channelGone) await admin.channels.remove.mutate({ name });
    }
    expect(outcomes.applied + outcomes.removed).toBeGreaterThanOrEqual(12);
  });
});

describe('an e-mail channel on a server without AEGIS_SMTP_URL', () => {
  it('is refused (412) naming the missing server setting', async () => {
    await expect(
      admin.channels.create.mutate({ name: 'mail', kind: 'email', to: ['rita@example.com'] }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(
        /^E-mail channels need the server setting AEGIS_SMTP_URL .* not set on this server/,
      ),
      data: { httpStatus: 412, aegisCode: 'SERVER_NOT_CONFIGURED' },
    });
    expect((await admin.channels.list.query()).map((c) => c.name)).not.toContain('mail');
  });
});
