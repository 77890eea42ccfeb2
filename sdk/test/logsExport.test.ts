import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, cliRunner } from './helpers/cli';
import { uniqueAgent, useSdkServer } from './helpers/server';

// Issue 17: `aegis logs` takes the Activity filter; -o csv|json streams the server's export.
const t = useSdkServer();
const { cli, json } = cliRunner(() => t.server);

beforeAll(buildCli, 120_000);

describe('aegis logs with a filter', { timeout: 240_000 }, () => {
  it('exports the filtered entries as CSV and JSON, and lists them as a table', async () => {
    const name = uniqueAgent('cli-export');
    const handle = t.aegis.agent(name, { allows: ['lookup'], blocks: ['wire'] });
    for (let i = 0; i < 4; i++) await handle.call('lookup', { customer_id: 700 + i }, () => 'ok');
    await handle.call('wire', { customer_id: 703 }, () => 'never').catch(() => undefined);

    const csv = await cli(['logs', name, '--since', '1h', '--q', 'customer_id 703', '-o', 'csv']);
    expect(csv.code).toBe(0);
    const [header, ...rows] = csv.stdout.trim().split('\r\n');
    expect(header).toMatch(/^id,timestamp,agent,action,status/);
    expect(rows.map((r) => r.split(',')[3])).toEqual(['wire', 'lookup']);

    const blocked = JSON.parse(
      (await cli(['logs', '--agent', name, '--status', 'blocked', '-o', 'json'])).stdout,
    ) as Array<{ action: string; status: string }>;
    expect(blocked).toEqual([expect.objectContaining({ action: 'wire', status: 'BLOCKED' })]);

    const listed = await json<Array<{ argsPreview: string }>>(['logs', name, '--q', '701']);
    expect(listed.map((e) => e.argsPreview)).toEqual(['{"customer_id":701}']);
    expect(
      (
        await cli(['logs', name, '--since', '2000-01-01T00:00:00Z', '--until', '1h', '-o', 'csv'])
      ).stdout
        .trim()
        .split('\r\n'),
    ).toHaveLength(1);
  });

  it("refuses a bad filter with the server's reason and exit 1", async () => {
    const bad = await cli(['logs', '--status', 'NOPE', '-o', 'csv']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/status/);
    const since = await cli(['logs', '--since', 'yesterday']);
    expect(since.code).toBe(1);
    expect(since.stderr).toMatch(/--since must look like/);
  });
});
