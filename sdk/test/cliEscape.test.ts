import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { bin, buildCli, cliRunner, sdkDir } from './helpers/cli';
import { uniqueAgent, useSdkServer } from './helpers/server';

// Attack review 7: an agent's key writes report details and its agent's owner; an admin reads them
// with `aegis logs` / `aegis agents`. Escape sequences in them must reach the terminal as text.
const t = useSdkServer();
const { cli } = cliRunner(() => t.server);

beforeAll(buildCli, 120_000);

/** Cursor up + erase line, an OSC 8 hyperlink, an OSC 0 window title, a C1 CSI, a bidi override. */
const EVIL =
  'ok \u001b[1A\u001b[2K\u001b]8;;https://evil.example/\u0007harmless\u001b]8;;\u0007\u001b]0;pwned\u0007 \u009b2J \u202Eflip\u202C\r\nFAKE LINE';
const OWNER = 'ops\u001b[8m hidden \u001b]8;;https://evil.example/\u0007team\u001b]8;;\u0007';
/** Anything a terminal acts on or draws invisibly (newline is the output's own). */
// eslint-disable-next-line no-control-regex -- finding them is the point
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

async function rest(path: string, body: unknown) {
  const res = await fetch(`${t.server.url}/api${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.server.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

describe('the CLI shows hostile text as text', { timeout: 240_000 }, () => {
  it('logs, agents and pending escape control and bidi characters; --json stays JSON', async () => {
    const name = uniqueAgent('cli-esc');
    await rest('/sdk/register-agent', { name, owner: OWNER });
    await rest('/sdk/log', { agent_name: name, action: 'drop', status: 'BLOCKED', details: EVIL });
    const handle = t.aegis.agent(uniqueAgent('cli-bidi'), { review: ['wire'] });
    await handle
      .call('wire', { amount: '\u202E9000\u202C' }, () => 0, { wait: false })
      .catch(() => undefined);

    const [logs, agents, pending, logsJson] = await Promise.all([
      cli(['logs', name, '--limit', '5']),
      cli(['agents']),
      cli(['pending']),
      cli(['logs', name, '--limit', '5', '--json']),
    ]);
    for (const r of [logs, agents, pending, logsJson]) {
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(RAW);
    }
    expect(logs.stdout).toContain(
      'ok \\u001b[1A\\u001b[2K\\u001b]8;;https://evil.example/\\u0007harmless',
    );
    // The report's line break folds: no line of the agent's making.
    expect(logs.stdout).not.toMatch(/^FAKE LINE/m);
    expect(agents.stdout).toContain('ops\\u001b[8m hidden');
    expect(pending.stdout).toContain('\\u202e9000\\u202c');
    expect(pending.stdout).toMatch(
      /Warning: arguments of .*#\d+.*: contains hidden\/direction-changing/,
    );
    // JSON output escapes the same characters JSON's way: parsed, it is the data as stored.
    const entries = JSON.parse(logsJson.stdout) as Array<{ details: string }>;
    expect(entries.map((e) => e.details)).toContain(EVIL);
  });

  it('logs --follow escapes entries that arrive live', async () => {
    const name = uniqueAgent('cli-esc-live');
    await rest('/sdk/register-agent', { name, owner: 'ops' });
    const child = spawn(process.execPath, [bin('aegis'), 'logs', name, '--follow'], {
      env: {
        ...process.env,
        AEGIS_URL: t.server.url,
        AEGIS_API_KEY: t.server.adminKey,
        NO_COLOR: '1',
      },
      cwd: sdkDir,
    });
    try {
      let out = '';
      const sawLive = new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('harmless')) resolve();
        });
      });
      // The header is printed once the follow is set up; then an entry arrives live.
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await rest('/sdk/log', {
        agent_name: name,
        action: 'drop',
        status: 'BLOCKED',
        details: EVIL,
      });
      await sawLive;
      expect(out).not.toMatch(RAW);
      expect(out).toContain('ok \\u001b[1A\\u001b[2K\\u001b]8;;https://evil.example/');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
