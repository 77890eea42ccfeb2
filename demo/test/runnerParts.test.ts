import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseDemoArgs } from '../src/runner/args.js';
import { connectBank, locateBank } from '../src/runner/bankConnection.js';
import { askToConfirmReset } from '../src/runner/confirmReset.js';
import { formatSummary, palette } from '../src/runner/format.js';
import { Tally } from '../src/runner/tally.js';

describe('parseDemoArgs', () => {
  it('runs every agent, waiting for a human, by default', () => {
    const args = parseDemoArgs([], {});
    expect(args.agents).toHaveLength(4);
    expect(args.approve).toBe('human');
    expect(args.url).toBe('http://127.0.0.1:8000');
    expect(args.killSwitch).toBe(true);
    expect(args.pausedRun).toBe(true);
  });

  it('takes --agent and --approve', () => {
    const args = parseDemoArgs(
      ['--agent', 'loan_processor', '--approve', 'none', '--no-kill-switch', '--no-paused-run'],
      {},
    );
    expect(args).toMatchObject({
      agents: ['loan_processor'],
      approve: 'none',
      killSwitch: false,
      pausedRun: false,
    });
  });

  it("keeps the server's data unless --reset, which --yes confirms", () => {
    expect(parseDemoArgs([], {})).toMatchObject({ reset: false, yes: false });
    expect(parseDemoArgs(['--reset'], {})).toMatchObject({ reset: true, yes: false });
    expect(parseDemoArgs(['--reset', '-y'], {})).toMatchObject({ reset: true, yes: true });
    expect(() => parseDemoArgs(['--yes'], {})).toThrow(/--yes confirms --reset/);
  });

  it('runs the Loan Processor through the gateway only when asked, and only if it runs', () => {
    expect(parseDemoArgs([], {}).viaGateway).toBe(false);
    expect(parseDemoArgs(['--via-gateway'], {}).viaGateway).toBe(true);
    expect(() => parseDemoArgs(['--via-gateway', '--agent', 'fraud_detection'], {})).toThrow(
      /--via-gateway runs loan_processor/,
    );
  });

  it('explains bad input', () => {
    expect(() => parseDemoArgs(['--agent', 'hacker'], {})).toThrow(/unknown agent "hacker"/);
    expect(() => parseDemoArgs(['--approve', 'maybe'], {})).toThrow(/human, all or none/);
  });
});

describe('locateBank', () => {
  const url = 'http://127.0.0.1:8000';
  const never = () => Promise.reject(new Error('the server was asked'));

  it('prefers an explicit URI, else asks the server it talks to', async () => {
    expect(await locateBank('mongodb://x/', { url, store: never })).toMatchObject({
      uri: 'mongodb://x/',
    });
    const socket = '/home/me/.aegis/store/mongod.sock';
    const uri = `mongodb://${encodeURIComponent(socket)}/?serverMonitoringMode=poll`;
    const found = await locateBank(undefined, {
      url,
      store: () => Promise.resolve({ kind: 'embedded', uri, socket }),
    });
    expect(found.uri).toBe(uri);
    // What the user reads if the socket can't be reached (another user, another machine).
    expect(found.hint).toContain(
      `the Unix socket ${socket}, which only the server's OS user can reach`,
    );
  });

  it('says what to do when the server keeps its data in a MongoDB of its own', async () => {
    await expect(
      locateBank(undefined, {
        url,
        store: () => Promise.resolve({ kind: 'external', hosts: 'cluster0.example.net' }),
      }),
    ).rejects.toThrow(/MongoDB at cluster0\.example\.net.*MONGO_URI=/);
  });

  it('says the key must be an admin key', async () => {
    await expect(
      locateBank(undefined, {
        url,
        store: () => Promise.reject(new Error('This needs the admin role; you are viewer')),
      }),
    ).rejects.toThrow(/needs an admin key to ask http:\/\/127\.0\.0\.1:8000 where its database is/);
  });

  it('names the hint when the database does not answer', async () => {
    await expect(
      connectBank({ uri: 'mongodb://%2Ftmp%2Fnowhere-aegis%2Fm.sock/', hint: 'Run it there.' }),
    ).rejects.toThrow(/Cannot reach the bank's database \(.*\)\. Run it there\./);
  });
});

describe('askToConfirmReset', () => {
  const terminal = (answer: string) => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const output = new PassThrough();
    let asked = '';
    output.on('data', (d: Buffer) => {
      asked += d.toString();
      if (asked.includes('continue:')) input.write(`${answer}\n`);
    });
    return { io: { input, output }, asked: () => asked };
  };

  it('asks, naming the server, and goes ahead only on the confirm word', async () => {
    const yes = terminal('reset');
    expect(await askToConfirmReset('http://srv:8000', yes.io)).toBe(true);
    expect(yes.asked()).toContain(
      '--reset deletes every agent, policy, audit entry and approval on http://srv:8000',
    );
    expect(await askToConfirmReset('http://srv:8000', terminal('y').io)).toBe(false);
  });

  it('refuses without a terminal to ask on: scripts must say --yes', async () => {
    const io = { input: new PassThrough(), output: new PassThrough() };
    await expect(askToConfirmReset('http://srv:8000', io)).rejects.toThrow(/add --yes/);
  });
});

describe('Tally and the summary', () => {
  it('counts each call once, with how its review ended', () => {
    const tally = new Tally();
    tally.record({ agent: 'a', action: 'x', verdict: 'ALLOWED' });
    tally.record({ agent: 'a', action: 'y', verdict: 'REVIEW', approvalId: 7 });
    expect(tally.settle(7, 'DENIED')).toBe(true);
    expect(tally.settle(8, 'APPROVED')).toBe(false);
    tally.record({ agent: 'b', action: 'z', verdict: 'BLOCKED' });
    tally.record({ agent: 'b', action: 'z', verdict: 'KILLED' });
    expect(tally.countsFor('a')).toMatchObject({ allowed: 1, review: 1, denied: 1, total: 2 });
    expect(tally.total()).toMatchObject({ allowed: 1, blocked: 1, review: 1, killed: 1, total: 4 });

    const text = formatSummary(
      tally,
      [
        { name: 'a', displayName: 'Agent A' },
        { name: 'b', displayName: 'Agent B' },
      ],
      palette(false),
    );
    expect(text).toContain('Allowed  Blocked   Review   Killed    Total');
    expect(text).toMatch(/Agent B\s+0\s+1\s+0\s+1\s+2/);
    expect(text).toMatch(/Total\s+1\s+1\s+1\s+1\s+4/);
    expect(text).toContain('1 denied or timed out');
    // says why the dashboard's decision counts can be higher than these call counts
    expect(text).toContain('The dashboard counts decisions');
  });
});
