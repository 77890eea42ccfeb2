import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AegisApprovalPendingError } from '../src/index';
import { closeTransport, createTransport } from '../src/index';
import { bin, buildCli, cliRunner, sdkDir } from './helpers/cli';
import { startTestServer, uniqueAgent, useSdkServer } from './helpers/server';

const t = useSdkServer();
const { cli, json } = cliRunner(() => t.server);

beforeAll(buildCli, 120_000);

// Each run of the real binary starts a node process (a fraction of a second, more on a busy machine).
describe('aegis CLI', { timeout: 240_000 }, () => {
  it('status, agents, kill and revive', async () => {
    const name = uniqueAgent('cli');
    const handle = t.aegis.agent(name, { owner: 'carol', allows: ['ping'], blocks: ['drop'] });
    await handle.call('ping', {}, () => 'pong');

    const [status, statusText, table] = await Promise.all([
      json<{ principal: { role: string }; stats: { registeredAgents: number } }>(['status']),
      cli(['status']),
      cli(['agents']),
    ]);
    expect(status.principal.role).toBe('admin');
    expect(status.stats.registeredAgents).toBeGreaterThan(0);
    expect(statusText.stdout).toMatch(/you are\s+.*\(admin\)/);

    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+RISK/);
    expect(table.stdout).toMatch(new RegExp(`${name}\\s+ACTIVE`));

    expect((await cli(['kill', name, '--reason', 'spends too much'])).stdout).toMatch(/PAUSED/);
    const listed = await json<Array<{ name: string; status: string }>>(['agents']);
    expect(listed.find((a) => a.name === name)?.status).toBe('PAUSED');
    // the reason is in the record, with who flipped the switch
    const [note] = (await t.aegis.api.audit.list.query({ agent: name, source: ['person'], limit: 1 })).entries;
    expect(note).toMatchObject({ status: 'PAUSED', source: 'person' });
    expect(note?.details).toContain('spends too much');
    expect((await json<{ status: string }>(['revive', name])).status).toBe('ACTIVE');
  });

  it('an unknown agent is one line and exit code 1', async () => {
    const results = await Promise.all([
      cli(['kill', 'no-such-agent']),
      cli(['logs', 'no-such-agent']),
    ]);
    for (const result of results) {
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/no-such-agent/);
      // what to do about it: a typo'd name, or an agent its code never declared
      expect(result.stderr).toMatch(/check the name \(`aegis agents` lists them\), or declare/);
    }
  });

  it('set-up mistakes (wrong key, wrong or schemeless URL) say what to do, in one line', async () => {
    const [wrongKey, apiPath, noScheme] = await Promise.all([
      cli(['agents'], { env: { AEGIS_API_KEY: 'aegis_not_a_key' } }),
      cli(['agents'], { env: { AEGIS_URL: `${t.server.url}/api` } }),
      cli(['agents'], { env: { AEGIS_URL: t.server.url.replace(/^http:\/\//, '') } }),
    ]);
    for (const result of [wrongKey, apiPath, noScheme]) {
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(wrongKey.stderr).toMatch(/did not accept the API key .*unknown or revoked/);
    expect(apiPath.stderr).toMatch(/answered 404: it is not an Aegis server's address.*without \/api/);
    expect(noScheme.stderr).toMatch(/is not an http:\/\/ or https:\/\/ URL: write it like http:/);
  });

  it('logs, as a table and as JSON, and --follow streams new entries live', async () => {
    const name = uniqueAgent('cli-logs');
    const handle = t.aegis.agent(name, { allows: ['ping'], blocks: ['drop'] });
    await handle.call('ping', { n: 1 }, () => 1);
    await handle.call('drop', {}, () => 0).catch(() => undefined);

    const [entries, table] = await Promise.all([
      json<Array<{ action: string; status: string }>>(['logs', name, '--limit', '5']),
      cli(['logs', name]),
    ]);
    expect(entries.map((e) => `${e.action}:${e.status}`)).toEqual(['ping:ALLOWED', 'drop:BLOCKED']);
    expect(table.stdout).toMatch(/ID\s+TIME \(UTC\)\s+STATUS/);
    expect(table.stdout).toMatch(/BLOCKED\s+\S+\s+drop/);

    const child = spawn(process.execPath, [bin('aegis'), 'logs', name, '--follow', '--json'], {
      env: { ...process.env, AEGIS_URL: t.server.url, AEGIS_API_KEY: t.server.adminKey },
      cwd: sdkDir,
    });
    try {
      const lines: Array<{ action: string; status: string }> = [];
      let buffered = '';
      const sawLive = new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const parts = buffered.split('\n');
          buffered = parts.pop() ?? '';
          for (const line of parts) {
            lines.push(JSON.parse(line) as { action: string; status: string });
            // The two old entries are printed first; once they are there, make a new one.
            if (lines.length === 2) void handle.call('ping', { n: 2 }, () => 2);
            if (lines.length === 3) resolve();
          }
        });
      });
      await sawLive;
      expect(lines.map((l) => l.status)).toEqual(['ALLOWED', 'BLOCKED', 'ALLOWED']);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('pending, approve and deny', async () => {
    const name = uniqueAgent('cli-review');
    const handle = t.aegis.agent(name, { review: ['export'] });
    const ask = (n: number) =>
      handle
        .call('export', { n }, () => n, { wait: false })
        .catch((e: unknown) => (e as AegisApprovalPendingError).approvalId);
    const [first, second] = [await ask(1), await ask(2)];

    const [pending, pendingText] = await Promise.all([
      json<Array<{ id: number; agent: string }>>(['pending']),
      cli(['pending']),
    ]);
    expect(
      pending
        .filter((a) => a.agent === name)
        .map((a) => a.id)
        .sort(),
    ).toEqual([first, second].sort());
    expect(pendingText.stdout).toMatch(new RegExp(`${first}\\s+${name}\\s+export`));

    const [approved, denied, badId] = await Promise.all([
      cli(['approve', String(first)]),
      json<{ status: string }>(['deny', String(second)]),
      cli(['approve', 'abc']),
    ]);
    expect(approved.stdout).toMatch(/APPROVED\s+approval #\d+/);
    expect(denied.status).toBe('DENIED');
    expect(badId.code).toBe(1);
    const again = await cli(['approve', String(first)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already decided/);
    await expect(ask(1)).resolves.toBe(1);
  });

  it('policy proposals, accept and reject', async () => {
    const name = uniqueAgent('cli-prop');
    const { key } = await t.aegis.api.keys.create.mutate({ name: 'prop', role: 'agent', agents: [name] });
    const bot = createTransport({ url: t.server.url, apiKey: key, requestTimeoutMs: 10_000 });
    try {
      await bot.sdk.registerAgent.mutate({ name, allows: ['ping'] });
      await bot.sdk.decide.mutate({ agent: name, action: 'ping' });
      const first = await bot.sdk.registerAgent.mutate({ name, allows: ['ping', 'wire'] });
      const second = await bot.sdk.registerAgent.mutate({ name, allows: ['ping', 'wire', 'drop'] });
      expect(first.proposal?.id).toBeDefined();
      const listed = await cli(['policy', 'proposals']);
      expect(listed.stdout).toMatch(new RegExp(`${second.proposal?.id}\\s+${name}\\s+PENDING\\s+drop: none → ALLOW, wire: none → ALLOW`));
      expect(listed.stdout).not.toMatch(new RegExp(`^${first.proposal?.id}\\s`, 'm')); // superseded
      expect((await cli(['policy', 'accept', String(second.proposal?.id)])).stdout).toMatch(/ACCEPTED\s+proposal #\d+/);
      expect((await bot.sdk.decide.mutate({ agent: name, action: 'wire' })).verdict).toBe('ALLOWED');
      const again = await cli(['policy', 'reject', String(second.proposal?.id)]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already accepted/);
      const all = await json<Array<{ id: number; status: string }>>(['policy', 'proposals', '--all']);
      expect(all.find((p) => p.id === first.proposal?.id)?.status).toBe('SUPERSEDED');
    } finally {
      closeTransport(bot);
    }
  });

  it('keys create, list and revoke; audit verify', async () => {
    const name = uniqueAgent('cli-key');
    const created = await json<{
      key: string;
      info: { id: string; role: string; agents: string[] };
    }>(['keys', 'create', '--role', 'agent', '--agents', name, '--name', 'ci key']);
    expect(created.info).toMatchObject({ role: 'agent', agents: [name] });
    expect(created.key.length).toBeGreaterThanOrEqual(22);
    const keys = await json<Array<{ id: string; revokedAt: string | null }>>(['keys', 'list']);
    expect(keys.find((k) => k.id === created.info.id)?.revokedAt).toBeNull();
    expect((await cli(['keys', 'list'])).stdout).toMatch(/ci key\s+agent/);
    expect(
      (await json<{ revokedAt: string | null }>(['keys', 'revoke', created.info.id])).revokedAt,
    ).not.toBeNull();
    expect((await cli(['keys', 'create', '--role', 'wizard'])).code).toBe(1);

    const verified = await json<{ ok: boolean; checked: number }>(['audit', 'verify']);
    expect(verified.ok).toBe(true);
    expect((await cli(['audit', 'verify'])).stdout).toMatch(/intact/);

    // A malformed noted head is said plainly (the option, the form it takes), not as zod's JSON.
    for (const [option, args] of [
      ['--head', ['audit', 'verify', '--head', 'abc']],
      ['--outcome-head', ['audit', 'verify', '--outcome-head', 'g'.repeat(64)]],
      ['--head', ['audit', 'verify', '--file', 'report.json', '--head', 'abc']],
    ] as const) {
      const bad = await cli([...args]);
      expect(bad.code).toBe(1);
      expect(bad.stderr.trim()).toMatch(
        new RegExp(`^aegis: ${option} takes a chain hash: 64 hex characters, as \`aegis audit verify\` prints it \\(got "[a-g]+"\\)$`),
      );
    }
  });

  it("keys signout ends the key's dashboard sessions, and the key still works", async () => {
    const { key } = await t.aegis.api.keys.create.mutate({
      name: 'signout',
      role: 'reviewer',
      agents: null,
    });
    const url = t.server.url;
    const login = await fetch(`${url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const whoami = () => fetch(`${url}/trpc/health.whoami`, { headers: { cookie } });
    expect((await whoami()).status).toBe(200);
    const out = await cli(['keys', 'signout'], { env: { AEGIS_API_KEY: key } });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/Ended 1 dashboard session of this key; the key still works/);
    expect((await whoami()).status).toBe(401);
    const still = await cli(['status'], { env: { AEGIS_API_KEY: key } });
    expect(still.code, still.stderr).toBe(0);
  });

  it('sentinel offers the seed commands: kill, revive, log', async () => {
    const name = uniqueAgent('sentinel');
    await t.aegis.agent(name, { allows: ['ping'] }).call('ping', {}, () => 1);
    expect((await cli(['kill', name], { bin: 'sentinel' })).stdout).toMatch(/PAUSED/);
    expect((await cli(['revive', name], { bin: 'sentinel' })).stdout).toMatch(/ACTIVE/);
    expect((await cli(['log', name], { bin: 'sentinel' })).stdout).toMatch(/ALLOWED\s+\S+\s+ping/);
  });

  it('an unreachable server is one line and exit code 2', async () => {
    const gone = await startTestServer({ inMemoryStore: true });
    const url = gone.url;
    await gone.close();
    const results = await Promise.all(
      [['agents'], ['status', '--json'], ['kill', 'x']].map((args) =>
        cli(args, { env: { AEGIS_URL: url } }),
      ),
    );
    for (const result of results) {
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`cannot reach Aegis at ${url}`);
      expect(result.stderr).toMatch(/is the server running\? Start it with `npm start`/);
    }
  });

  it('usage errors exit 1 and help exits 0', async () => {
    const [unknown, bogus, help] = await Promise.all([
      cli(['frobnicate']),
      cli(['agents', '--bogus']),
      cli(['help']),
    ]);
    expect(unknown.code).toBe(1);
    expect(bogus.code).toBe(1);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes/);
  });

  it("a command's --help shows that command; a typo'd command names the nearest one", async () => {
    const [keysHelp, helpLogs, typo, groupTypo] = await Promise.all([
      cli(['keys', '--help']),
      cli(['help', 'logs']),
      cli(['agnets']),
      cli(['polcy', 'apply']),
    ]);
    expect(keysHelp.code).toBe(0);
    expect(keysHelp.stdout).toMatch(/^Usage: aegis keys/);
    expect(keysHelp.stdout).toMatch(/keys create --role R/);
    expect(keysHelp.stdout).toMatch(/keys revoke <id>/);
    expect(keysHelp.stdout).not.toMatch(/kill <agent>/);
    expect(keysHelp.stdout).toMatch(/--key KEY/); // the options every command takes
    expect(helpLogs.stdout).toMatch(/^Usage: aegis logs/);
    expect(helpLogs.stdout).toMatch(/--detector D/);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/unknown command "agnets" \(did you mean "agents"\?\)/);
    expect(groupTypo.stderr).toMatch(/did you mean "policy"\?/);
  });
});
