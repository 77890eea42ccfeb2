import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAegis, type Aegis } from '@aegis/sdk';
import { parseDemoArgs } from '../src/runner/args.js';
import { runDemo } from '../src/runner/runDemo.js';
import { startServerProcess, type ServerProcess } from './serverProcess.js';

/** How REVIEW calls are settled: automatically with --approve all, or by a person on another client. */
describe('the demo and its reviewers', () => {
  let server: ServerProcess;
  let reviewer: Aegis;
  const env = () => ({ AEGIS_DATA_DIR: server.dataDir });
  const args = (...flags: string[]) =>
    parseDemoArgs([...flags, '--url', server.url, '--api-key', server.apiKey], env());

  beforeAll(async () => {
    server = await startServerProcess();
    reviewer = createAegis({ url: server.url, apiKey: server.apiKey });
  });
  afterAll(async () => {
    await reviewer?.close();
    await server?.stop();
  });

  // First, on a server with no earlier approvals: the SDK's change feed replays the server's
  // recent events, and after a demo reset approval ids start again at 1.
  it('by default waits for a human, who decides from another client', async () => {
    const output: string[] = [];
    // The "human": a separate client watching for approvals, as the dashboard does.
    const decided: number[] = [];
    const stop = reviewer.onChange((event) => {
      // The SDK's feed replays the server's recent events too (ids restart after a demo reset):
      // decide only this agent's approvals that are still open.
      if (event.type !== 'approval.created' || event.approval.agent !== 'marketing_outreach')
        return;
      if (decided.includes(event.approval.id)) return;
      decided.push(event.approval.id);
      reviewer.api.approvals.decide
        .mutate({ id: event.approval.id, decision: 'APPROVED' })
        .catch(() => undefined);
    });
    try {
      const result = await runDemo({
        args: args('--agent', 'marketing_outreach'),
        env: env(),
        write: (line) => output.push(line),
      });
      expect(output.join('\n')).toContain(`${server.url}/approvals`);
      const exported = result.tally.calls.filter((c) => c.action === 'export_customer_list');
      // the agent's own run, then the paused-run scene's
      expect(exported.map((c) => [c.verdict, c.review])).toEqual([
        ['REVIEW', 'APPROVED'],
        ['REVIEW', 'APPROVED'],
      ]);
      expect(decided).toHaveLength(2);
      expect(result.answers.get('marketing_outreach')).toContain('"exported":10');

      // The paused-run scene: its agent process was killed while the export waited; the person
      // approved; a new process resumed the run from its checkpoint and the export ran, once.
      const text = output.join('\n');
      const killed = /agent process (\d+) killed while request #(\d+) waits/.exec(text);
      const resumed = /resumed run finished in process (\d+) \(request #(\d+) approved\)/.exec(
        text,
      );
      expect(killed && resumed).toBeTruthy();
      expect(resumed?.[1]).not.toBe(killed?.[1]);
      const heldId = Number(killed?.[2]);
      expect(Number(resumed?.[2])).toBe(heldId);
      expect(decided).toContain(heldId);
      expect(result.answers.get('paused_run_scene')).toContain(
        '"exported":10,"fields":["name","email"]',
      );
      const approval = await reviewer.api.approvals.byId.query({ id: heldId });
      expect(approval.status).toBe('APPROVED');
      expect(approval.consumedAt).not.toBeNull();
      expect(approval.pausedRun?.threadId).toMatch(/^demo-paused-run-/);
      expect(approval.pausedRun?.resumedAt).not.toBeNull();
      const ran = await reviewer.api.audit.list.query({
        agent: 'marketing_outreach',
        status: ['ALLOWED'],
        limit: 200,
      });
      expect(ran.entries.filter((e) => e.approvalId === heldId)).toHaveLength(1);
    } finally {
      stop();
    }
  });

  it('--approve all lets the reviewed call run, once approved', async () => {
    const result = await runDemo({
      args: args('--agent', 'customer_support', '--approve', 'all', '--no-kill-switch'),
      env: env(),
      write: () => undefined,
    });
    const ssn = result.tally.calls.filter((c) => c.action === 'access_ssn');
    expect(ssn.map((c) => [c.verdict, c.review])).toEqual([['REVIEW', 'APPROVED']]);
    expect(result.answers.get('customer_support')).toMatch(
      /access_ssn: \{"customer_id":3,.*"ssn":"\d{3}-\d{2}-\d{4}"/,
    );
  });

  it("a second run is not confused by the first run's decisions (approval ids restart after a reset)", async () => {
    const run = (mode: string) =>
      runDemo({
        args: args('--agent', 'customer_support', '--approve', mode, '--no-kill-switch'),
        env: env(),
        write: () => undefined,
      });
    const denied = await run('none');
    expect(denied.tally.calls.find((c) => c.action === 'access_ssn')?.review).toBe('DENIED');
    const approved = await run('all');
    expect(approved.tally.calls.find((c) => c.action === 'access_ssn')?.review).toBe('APPROVED');
  });
});
