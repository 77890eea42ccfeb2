import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDemoArgs } from '../src/runner/args.js';
import { resolveBankUri } from '../src/runner/bankConnection.js';
import { formatSummary, palette } from '../src/runner/format.js';
import { Tally } from '../src/runner/tally.js';

describe('parseDemoArgs', () => {
  it('runs every agent, waiting for a human, by default', () => {
    const args = parseDemoArgs([], {});
    expect(args.agents).toHaveLength(4);
    expect(args.approve).toBe('human');
    expect(args.url).toBe('http://127.0.0.1:8000');
    expect(args.killSwitch).toBe(true);
  });

  it('takes --agent and --approve', () => {
    const args = parseDemoArgs(
      ['--agent', 'loan_processor', '--approve', 'none', '--no-kill-switch'],
      {},
    );
    expect(args).toMatchObject({ agents: ['loan_processor'], approve: 'none', killSwitch: false });
  });

  it('explains bad input', () => {
    expect(() => parseDemoArgs(['--agent', 'hacker'], {})).toThrow(/unknown agent "hacker"/);
    expect(() => parseDemoArgs(['--approve', 'maybe'], {})).toThrow(/human, all or none/);
  });
});

describe('resolveBankUri', () => {
  it('prefers an explicit URI, then the store file the server writes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aegis-demo-'));
    await writeFile(join(dir, 'store.json'), JSON.stringify({ uri: 'mongodb://127.0.0.1:5555/' }));
    expect(await resolveBankUri('mongodb://x/', { AEGIS_DATA_DIR: dir })).toBe('mongodb://x/');
    expect(await resolveBankUri(undefined, { AEGIS_DATA_DIR: dir })).toBe(
      'mongodb://127.0.0.1:5555/',
    );
    await expect(resolveBankUri(undefined, { AEGIS_DATA_DIR: join(dir, 'none') })).rejects.toThrow(
      /MONGO_URI/,
    );
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
  });
});
