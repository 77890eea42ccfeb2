import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAegis, type Aegis } from '@aegis/sdk';
import type { ChangeEvent } from '@aegis/shared';
import { parseDemoArgs } from '../src/runner/args.js';
import { runDemo } from '../src/runner/runDemo.js';
import { startServerProcess, type ServerProcess } from './serverProcess.js';

/**
 * Issue 12, item 11: `npm run demo` used to wipe every agent, policy, audit entry and approval
 * of the server it ran against, and to trust a `.aegis/store.json` that could be stale
 * (ECONNREFUSED). Now it adds to what is there, finds the store by asking the server, and
 * deletes only with `--reset`, confirmed.
 */
describe('the demo keeps what is there', () => {
  let server: ServerProcess;
  let admin: Aegis;
  let staleDir: string;
  const output: string[] = [];
  const events: ChangeEvent[] = [];
  let stopEvents = () => {};

  // Run from a directory where an older server left its store's address behind.
  const env = () => ({ AEGIS_DATA_DIR: staleDir });
  const demo = (flags: string[], confirmReset?: (url: string) => Promise<boolean>) =>
    runDemo({
      args: parseDemoArgs(
        [
          '--agent',
          'loan_processor',
          '--no-kill-switch',
          '--approve',
          'none',
          ...flags,
          '--url',
          server.url,
          '--api-key',
          server.apiKey,
        ],
        env(),
      ),
      env: env(),
      write: (line) => output.push(line),
      confirmReset,
    });

  const payroll = async () =>
    (await admin.api.agents.list.query()).find((a) => a.name === 'payroll');

  beforeAll(async () => {
    server = await startServerProcess();
    staleDir = await mkdtemp(join(tmpdir(), 'aegis-stale-'));
    await writeFile(join(staleDir, 'store.json'), '{"uri":"mongodb://127.0.0.1:9/"}\n');
    admin = createAegis({ url: server.url, apiKey: server.apiKey });
    stopEvents = admin.onChange((event) => events.push(event));
    // Someone's real agent, with history and an open approval, before the demo ever runs.
    const bot = admin.agent('payroll', { allows: ['read_payslip'], review: ['pay'] });
    await bot.register();
    await admin.api.sdk.decide.mutate({ agent: 'payroll', action: 'read_payslip' });
    await admin.api.sdk.decide.mutate({ agent: 'payroll', action: 'pay', args: { amount: 10 } });
  });
  afterAll(async () => {
    stopEvents();
    await admin?.close();
    await server?.stop();
    if (staleDir) await rm(staleDir, { recursive: true, force: true });
  });

  it('adds its agents next to existing data, ignoring a stale store.json', async () => {
    const before = await admin.api.audit.list.query({ agent: 'payroll', limit: 50 });
    const result = await demo([]);
    expect(result.failures.size).toBe(0);
    expect((await payroll())?.totalLogs).toBe(2);
    const after = await admin.api.audit.list.query({ agent: 'payroll', limit: 50 });
    expect(after.entries.map((e) => e.id)).toEqual(before.entries.map((e) => e.id));
    expect((await admin.api.approvals.pending.query()).map((a) => a.agent)).toContain('payroll');
    expect((await admin.api.policies.forAgent.query({ agent: 'payroll' })).allowed).toEqual([
      'read_payslip',
    ]);
    expect((await admin.api.agents.list.query()).map((a) => a.name).sort()).toEqual([
      'loan_processor',
      'payroll',
    ]);
    expect(await admin.api.audit.verify.query()).toMatchObject({ ok: true });
    expect(output.join('\n')).toContain(`Adding to what ${server.url} already has (1 agent)`);
    expect(output.join('\n')).toMatch(/Reset the demo bank: 10 customers/);
  });

  it('runs again on top of its own earlier run', async () => {
    // The calls the agent made, one decision each (a reviewer's later DENIED is not a call).
    // Configuration entries are written only when something changed, and the second run's first
    // small loan is held as a split loan: the first run's loan is within its 10 minutes.
    const calls = async () =>
      (await admin.api.audit.list.query({ agent: 'loan_processor', limit: 200 })).entries.filter(
        (e) => !e.action.startsWith('aegis:') && e.status !== 'DENIED',
      );
    const before = await calls();
    const result = await demo([]);
    expect(result.failures.size).toBe(0);
    expect(before.length).toBeGreaterThan(0);
    expect((await calls()).length).toBe(before.length * 2);
  });

  it('deletes nothing on --reset unless confirmed', async () => {
    await expect(demo(['--reset'])).rejects.toThrow(/confirm it with --yes/);
    await expect(demo(['--reset'], () => Promise.resolve(false))).rejects.toThrow(
      /Not confirmed: nothing was deleted/,
    );
    expect(await payroll()).toBeDefined();
  });

  it('--reset --yes wipes governance data (and tells open dashboards), then runs', async () => {
    const result = await demo(['--reset', '--yes']);
    expect(result.failures.size).toBe(0);
    expect(output.join('\n')).toContain(
      `Deleted every agent, policy, audit entry and approval on ${server.url} (--reset).`,
    );
    expect(await payroll()).toBeUndefined();
    expect((await admin.api.agents.list.query()).map((a) => a.name)).toEqual(['loan_processor']);
    expect(await admin.api.audit.verify.query()).toMatchObject({ ok: true });
    await expect.poll(() => events.some((e) => e.type === 'governance.reset')).toBe(true);
  });

  it('a confirmed --reset goes ahead too', async () => {
    let asked = '';
    const result = await demo(['--reset'], (url) => {
      asked = url;
      return Promise.resolve(true);
    });
    expect(asked).toBe(server.url);
    expect(result.failures.size).toBe(0);
  });
});
