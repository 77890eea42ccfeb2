import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAegis, type Aegis } from '@aegis/sdk';
import { parseDemoArgs } from '../src/runner/args.js';
import { runDemo } from '../src/runner/runDemo.js';
import { startServerProcess, type ServerProcess } from './serverProcess.js';

/** Issue 23, "Done means" 2: `--notify` starts a webhook receiver and prints working links. */
describe('npm run demo -- --notify', () => {
  let server: ServerProcess;
  let admin: Aegis;

  beforeAll(async () => {
    server = await startServerProcess();
    admin = createAegis({ url: server.url, apiKey: server.apiKey });
  });
  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  it('prints the approve link the webhook got; following it decides the review', async () => {
    const output: string[] = [];
    const env = { AEGIS_DATA_DIR: server.dataDir };
    const followed: string[] = [];
    // The "reviewer" reads the demo's output and follows the first approve link it prints.
    const reader = setInterval(() => {
      const line = output.find((l) => l.includes('approve: http') && !followed.includes(l));
      if (!line) return;
      followed.push(line);
      // Links name AEGIS_PUBLIC_URL (port 0 under test): the same path on the real port.
      const link = new URL(line.slice(line.indexOf('http')).trim());
      const target = `${server.url}${link.pathname}${link.search}`;
      void (async () => {
        const page = await fetch(target);
        output.push(`[test] confirmation page: ${page.status}`);
        const form = new URLSearchParams({ t: link.searchParams.get('t')! });
        const res = await fetch(`${server.url}/notify/decide`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${server.apiKey}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: form.toString(),
        });
        output.push(`[test] decided through the link: ${res.status}`);
      })();
    }, 200);
    try {
      const result = await runDemo({
        args: parseDemoArgs(
          [
            '--agent',
            'marketing_outreach',
            '--notify',
            '--no-paused-run',
            '--url',
            server.url,
            '--api-key',
            server.apiKey,
          ],
          env,
        ),
        env,
        write: (line) => output.push(line),
      });
      const text = output.join('\n');
      expect(text).toMatch(
        /webhook \(signature ok\): approval\.opened #\d+: marketing_outreach wants export_customer_list/,
      );
      expect(text).toContain('[test] confirmation page: 200');
      expect(text).toContain('[test] decided through the link: 200');
      const exported = result.tally.calls.filter((c) => c.action === 'export_customer_list');
      expect(exported.map((c) => [c.verdict, c.review])).toEqual([['REVIEW', 'APPROVED']]);
      const approved = await admin.api.approvals.list.query({
        status: 'APPROVED',
        agent: 'marketing_outreach',
        limit: 5,
      });
      expect(approved.approvals[0]?.decidedVia).toBe('webhook:demo-webhook');
      // The demo removes its channel when it ends.
      expect((await admin.api.channels.list.query()).map((c) => c.name)).not.toContain(
        'demo-webhook',
      );
    } finally {
      clearInterval(reader);
    }
  }, 300_000);
});
