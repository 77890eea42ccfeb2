/**
 * An entry's `callArgsHash` (the digest of its stored call arguments, covered by its hash) leaves
 * the server — the activity list, an entry's detail, the live feed, REST, exports — to viewers who
 * may not see the arguments. A plain sha256 of low-entropy arguments (an amount, a yes/no) gives
 * them back to anyone who tries the likely values; the digest is keyed by a per-entry salt that
 * never leaves the server. The test is the attack: hash every candidate and look for any of the
 * digests in what a viewer or the agent's key receives.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canonicalJson } from '@aegis/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { cliVerify, createKey, rest, trpc, type Credential } from './harness';

let server: TestServer;
let viewer: Credential;
let viewerKey = '';
let agent: Credential;
let auditId = 0;
/** What the live feed pushed to the viewer when the call was decided. */
let liveBody = '';
let decideBody = '';
const args = { account: 'AC-42', amount: 731, approve: true };

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  const admin: Credential = { kind: 'bearer', key: server.adminKey };
  await trpc(
    server.url,
    'sdk.registerAgent',
    'mutation',
    { name: 'payer', allows: ['pay'] },
    admin,
  );
  agent = { kind: 'bearer', key: (await createKey(server, 'bot', 'agent', ['payer'])).key };
  viewerKey = (await createKey(server, 'vic', 'viewer')).key;
  viewer = { kind: 'bearer', key: viewerKey };
  const live = await trpc(server.url, 'audit.onEntry', 'subscription', {}, viewer, async () => {
    const res = await trpc(
      server.url,
      'sdk.decide',
      'mutation',
      { agent: 'payer', action: 'pay', args },
      agent,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    decideBody = JSON.stringify(res.body);
    auditId = (res.body as { result: { data: { auditId: number } } }).result.data.auditId;
  });
  expect(live.status).toBe(200);
  liveBody = JSON.stringify(live.body);
  await server.settle();
}, 60_000);

afterAll(() => server?.close());

/** Everything the viewer's and the agent's keys read about the call, as text. */
async function whatTheySee(): Promise<string[]> {
  const bodies = [liveBody, decideBody];
  for (const who of [viewer, agent]) {
    for (const [p, input] of [
      ['audit.list', { agent: 'payer' }],
      ['audit.detail', { id: auditId }],
    ] as const) {
      const res = await trpc(server.url, p, 'query', input, who);
      if (who === viewer) expect(res.status, p).toBe(200);
      bodies.push(JSON.stringify(res.body));
    }
    const logs = await rest(server.url, 'GET', '/logs', undefined, who);
    bodies.push(JSON.stringify(logs.body));
  }
  for (const p of ['/export/report?format=json', '/export/audit?format=json']) {
    const res = await fetch(`${server.url}${p}`, {
      headers: { authorization: `Bearer ${viewerKey}` },
    });
    expect(res.status, p).toBe(200);
    bodies.push(await res.text());
  }
  return bodies;
}

describe("call arguments' digest", () => {
  it('a viewer sees the digest but cannot brute-force the arguments from it', async () => {
    const stored = await server.store.connection.collection('audit_log').findOne({ id: auditId });
    // The stored text is exactly the canonical JSON an attacker would try (nothing was masked).
    expect(stored?.callArgs).toBe(canonicalJson(args));
    const salt = stored?.callArgsSalt as string;
    expect(salt).toMatch(/^[0-9a-f]{32}$/);
    const seen = (await whatTheySee()).join('\n');
    expect(seen).toContain(String(stored?.callArgsHash));
    expect(seen).not.toContain(salt);
    expect(seen).not.toMatch(/callArgsSalt/);
    const digests = new Set(seen.match(/[0-9a-f]{64}/g) ?? []);
    let found: unknown = null;
    for (let amount = 0; amount < 1000 && !found; amount++)
      for (const approve of [true, false]) {
        const guess = { account: 'AC-42', amount, approve };
        const digest = createHash('sha256').update(canonicalJson(guess)).digest('hex');
        if (digests.has(digest)) found = guess;
      }
    expect(found).toBeNull();
  });

  it("the server still checks the arguments against the digest, and a viewer's export verifies offline", async () => {
    const verify = await trpc(server.url, 'audit.verify', 'query', undefined, {
      kind: 'bearer',
      key: server.adminKey,
    });
    expect(verify.body).toMatchObject({ result: { data: { ok: true, firstBad: null } } });
    const res = await fetch(`${server.url}/export/report?format=json`, {
      headers: { authorization: `Bearer ${viewerKey}` },
    });
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'aegis-digest-')), 'report.json');
    await writeFile(file, await res.text());
    const offline = await cliVerify(server, ['--file', file]);
    expect(offline.output).toContain('OK');
    expect(offline.code).toBe(0);
    // The salt is part of the check: edited away, the stored arguments no longer match.
    const log = server.store.connection.collection('audit_log');
    const before = await log.findOne({ id: auditId });
    await log.updateOne({ id: auditId }, { $unset: { callArgsSalt: '' } });
    try {
      const broken = await trpc(server.url, 'audit.verify', 'query', undefined, {
        kind: 'bearer',
        key: server.adminKey,
      });
      expect(broken.body).toMatchObject({
        result: { data: { ok: false, firstBad: { id: auditId } } },
      });
    } finally {
      await log.updateOne({ id: auditId }, { $set: { callArgsSalt: before?.callArgsSalt } });
    }
  });
});
