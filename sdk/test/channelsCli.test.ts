import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, cliRunner } from './helpers/cli';
import { uniqueAgent, useSdkServer } from './helpers/server';

const t = useSdkServer();
const { cli, json } = cliRunner(() => t.server);

beforeAll(buildCli, 120_000);

describe('aegis channels', { timeout: 240_000 }, () => {
  it('adds a webhook (secret shown once), lists without secrets, tests, shows deliveries, removes', async () => {
    const added = await cli([
      'channels',
      'add',
      'ops',
      '--webhook',
      'http://127.0.0.1:9/hook',
      '--agents',
      'pay-*',
    ]);
    expect(added.code).toBe(0);
    const secret = /whsec_\S+/.exec(added.stdout)?.[0];
    expect(secret).toBeDefined();

    const listed = await cli(['channels', 'list']);
    expect(listed.stdout).toMatch(/ops\s+webhook\s+http:\/\/127\.0\.0\.1:9\s+pay-\*/);
    expect(listed.stdout).not.toContain(secret!);

    expect((await cli(['channels', 'test', 'ops'])).code).toBe(0);
    const log = await json<Array<{ channel: string; event: string }>>([
      'channels',
      'deliveries',
      'ops',
    ]);
    expect(log[0]).toMatchObject({ channel: 'ops', event: 'test' });

    const bad = await cli([
      'channels',
      'add',
      'twice',
      '--webhook',
      'http://a',
      '--email',
      'a@example.com',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('exactly one of');

    expect((await cli(['channels', 'remove', 'ops'])).code).toBe(0);
    const gone = await cli(['channels', 'remove', 'ops']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('No channel named "ops"');
  });

  it('refuses, when they are made: a rule naming a missing channel, removing a used one, e-mail without SMTP', async () => {
    const agent = uniqueAgent('notifying');
    await t.aegis.api.sdk.registerAgent.mutate({ name: agent, allows: ['read'] });
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-channels-cli-'));
    try {
      const file = path.join(dir, 'policy.yaml');
      await writeFile(
        file,
        `kind: AgentPolicy\nagent: ${agent}\nrules:\n  - id: big-wires\n    actions: [wire]\n    effect: REVIEW\n    notify: [cli-ops]\n`,
      );
      for (const dryRun of [['--dry-run'], []]) {
        const refused = await cli(['policy', 'apply', '-f', file, ...dryRun]);
        expect(refused.code).toBe(1);
        expect(refused.stderr.trim()).toBe(
          `${file}:7:14: rule "big-wires" notify: channel "cli-ops" does not exist: add it first with ` +
            '`aegis channels add cli-ops --webhook URL | --slack URL | --email a@x,b@y` ' +
            '(`aegis channels list` shows the channels there are), or take it out of the rule',
        );
      }

      expect(
        (await cli(['channels', 'add', 'cli-ops', '--webhook', 'http://127.0.0.1:9/h'])).code,
      ).toBe(0);
      expect((await cli(['policy', 'apply', '-f', file])).code).toBe(0);
      const inUse = await cli(['channels', 'remove', 'cli-ops']);
      expect(inUse.code).toBe(1);
      expect(inUse.stderr.trim()).toBe(
        `aegis: The channel "cli-ops" is named by rules in force: ${agent} rule "big-wires" (notify). ` +
          'Take it out of those rules (`aegis policy get AGENT|--global`, edit, `aegis policy apply`), then remove it',
      );
      expect((await cli(['channels', 'list'])).stdout).toContain('cli-ops');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    // The test server runs without AEGIS_SMTP_URL.
    const mail = await cli(['channels', 'add', 'mail', '--email', 'rita@example.com']);
    expect(mail.code).toBe(1);
    expect(mail.stderr.trim()).toBe(
      'aegis: E-mail channels need the server setting AEGIS_SMTP_URL (smtp://user:pass@host:587 or smtps://…), ' +
        'which is not set on this server: set it and restart the server, then add the channel again',
    );
  });
});
