import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bin, buildCli, cliRunner, type CliResult } from './helpers/cli';
import { uniqueAgent, useSdkServer } from './helpers/server';

// The CLI used the way a newcomer uses it after reading the README: output piped into `head`,
// a variable that turned out to be unset, no key in sight. Each is answered with what happened
// and what to do, never a stack trace, raw zod JSON or "cannot reach Aegis".

const t = useSdkServer();
const { cli } = cliRunner(() => t.server);

beforeAll(buildCli, 120_000);

/** Runs the binary with its stdout's reader gone before it writes, as `aegis … | head` ends. */
function withReaderGone(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin('aegis'), ...args], {
      env: { ...process.env, AEGIS_URL: t.server.url, AEGIS_API_KEY: t.server.adminKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: '', stderr }));
  });
}

describe('the CLI as the README uses it', { timeout: 120_000 }, () => {
  it('`aegis logs | head` and `aegis logs -o csv | head` end quietly when the reader has enough', async () => {
    const agent = uniqueAgent('piped');
    await t.aegis.agent(agent, { allows: ['ping'] }).call('ping', {}, () => 'pong');

    for (const args of [['logs'], ['logs', '--since', '24h', '-o', 'csv'], ['help']]) {
      const result = await withReaderGone(args);
      expect(result.stderr, args.join(' ')).toBe('');
      expect(result.code, args.join(' ')).toBe(141);
    }
  });

  it('an input the server refuses is said field by field, not as zod JSON', async () => {
    // `--signing-secret "$SLACK_SIGNING_SECRET"` with the variable unset
    const result = await cli([
      'channels',
      'add',
      'ops-slack',
      '--slack',
      'https://hooks.slack.com/services/T000/B000/XXX',
      '--signing-secret',
      '',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      "aegis: the server refused the request's input: signingSecret: Too small: expected string to have >=8 characters",
    );
  });

  it('no key anywhere: the message names every place a key can come from', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'aegis-nokey-'));
    try {
      const result = await cli(['status'], {
        cwd: empty,
        env: { AEGIS_API_KEY: '', AEGIS_API_KEY_FILE: '', AEGIS_DATA_DIR: empty },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/AEGIS_API_KEY_FILE/);
      expect(result.stderr).toMatch(/AEGIS_DATA_DIR/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
