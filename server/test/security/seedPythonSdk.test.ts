/**
 * Issue 12, finding 10: the seed's Python SDK, run as Python against /api with the key in
 * AEGIS_BACKEND_URL, works end to end — with an agent key and with an admin key. The SDK
 * (server/test/seedSdk/sentinel.py) follows the seed's documented per-call protocol step by step:
 * the non-blocking `request_approval` returns True after an approval and raises "blocked" after a
 * denial; the blocking `wait_for_approval` path runs once per approval; one approval is one
 * execution; the SDK's key may kill its agent, and only an agent key may not revive it.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey } from './harness';

const run = promisify(execFile);
const sdkDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'seedSdk');

let server: TestServer;
let reviewerUrl: string;

const urlWith = (user: string, key: string) =>
  `http://${user}:${encodeURIComponent(key)}@${server.url.replace('http://', '')}/api`;

interface Outcome {
  ok?: unknown;
  blocked?: string;
  killed?: string;
  http?: number;
  body?: string;
}

async function seedScenario(agent: string, sdkUrl: string) {
  const { stdout } = await run('python3', ['scenario.py'], {
    cwd: sdkDir,
    env: { ...process.env, AEGIS_BACKEND_URL: sdkUrl, REVIEWER_URL: reviewerUrl, AGENT: agent, POLL_INTERVAL: '0.1' },
    timeout: 120_000,
  });
  return JSON.parse(stdout) as { steps: Record<string, Outcome & Outcome[]>; ran: Record<string, number> };
}

async function refundEntries(agent: string) {
  const { entries } = await server.services.audit.list({ agent, limit: 200 });
  return entries.filter((e) => e.action === 'refund' && e.status === 'ALLOWED');
}

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  reviewerUrl = urlWith('operator', (await createKey(server, 'operator', 'reviewer')).key);
});
afterAll(() => server?.close());

describe("the seed's Python SDK, unmodified protocol, against /api", () => {
  for (const mode of ['agent', 'admin'] as const) {
    it(`with ${mode === 'agent' ? 'an agent key' : 'an admin key'} in AEGIS_BACKEND_URL`, async () => {
      const agent = mode === 'agent' ? 'SeedBot' : 'SeedAdminBot';
      const key =
        mode === 'agent' ? (await createKey(server, 'seed-bot', 'agent', [agent])).key : server.adminKey;
      const { steps, ran } = await seedScenario(agent, urlWith(mode, key));

      expect(steps.allowed).toEqual({ ok: 4200 });
      expect(steps.blocked?.blocked).toMatch(/blocked/);
      // non-blocking: False while pending, True once approved, asks anew after use, "blocked" once after a denial
      const nb = steps.request_approval as Outcome[] & unknown[];
      expect(nb.map((o) => (typeof o === 'number' ? o : (o.ok ?? (o.blocked ? 'blocked' : o))))).toEqual([
        false,
        false,
        1,
        true,
        false,
        1,
        'blocked',
        false,
        1,
      ]);
      // blocking: waits for the person, runs once when approved, raises when denied
      expect(steps.wait_approved).toEqual({ ok: 'refunded 8' });
      expect(steps.wait_denied?.blocked).toMatch(/denied/);
      // sentinel kill with the SDK's own key works; revive only for an admin
      expect(steps.kill).toEqual({ ok: { status: 'ok' } });
      expect(steps.while_killed?.killed).toMatch(/paused/);
      if (mode === 'agent') {
        expect(steps.revive?.http).toBe(403);
        expect(steps.revive?.body).toMatch(/never revive/);
        expect(steps.revive_by_reviewer).toEqual({ ok: { status: 'ok' } });
      } else {
        expect(steps.revive).toEqual({ ok: { status: 'ok' } });
      }
      expect(steps.after_revive).toEqual({ ok: 300 });

      // two approvals, two executions, each on record once as the approved call
      expect(ran).toEqual({ lookup_balance: 2, delete_records: 0, refund: 2 });
      const allowed = await refundEntries(agent);
      expect(allowed).toHaveLength(2);
      expect(new Set(allowed.map((e) => e.approvalId)).size).toBe(2);
      const { entries } = await server.services.audit.list({ agent, status: ['PAUSED', 'RESUMED'], limit: 10 });
      expect(entries.map((e) => [e.status, e.source])).toEqual([
        ['RESUMED', 'person'],
        ['PAUSED', mode === 'agent' ? 'agent' : 'person'],
      ]);
    });
  }
});
