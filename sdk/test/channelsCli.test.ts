import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, cliRunner } from './helpers/cli';
import { useSdkServer } from './helpers/server';

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
});
