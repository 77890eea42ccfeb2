/**
 * Issue 12, finding 3: nothing a viewer (or reviewer) can read lets them recover masked arguments.
 * The test is the attack: for an approval whose SSN shows as `***-**-4417`, hash every one of the
 * 10^5 candidate calls and look for any of those digests in what a viewer is sent.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson } from '@aegis/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey, rest, trpc, type Credential } from './harness';

let server: TestServer;
let viewer: Credential;
let reviewer: Credential;
let approvalId: number;
let eventBody = '';

beforeAll(async () => {
  server = await startTestServer();
  const agent: Credential = {
    kind: 'bearer',
    key: (await createKey(server, 'bot', 'agent', ['payer'])).key,
  };
  viewer = { kind: 'bearer', key: (await createKey(server, 'vic', 'viewer')).key };
  reviewer = { kind: 'bearer', key: (await createKey(server, 'rita', 'reviewer')).key };
  await trpc(
    server.url,
    'sdk.registerAgent',
    'mutation',
    { name: 'payer', review: ['verify'] },
    agent,
  );
  // the viewer is subscribed when the approval is opened: the pushed event is read too
  const event = await trpc(
    server.url,
    'changes.onChange',
    'subscription',
    undefined,
    viewer,
    async () => {
      const res = await trpc(
        server.url,
        'sdk.decide',
        'mutation',
        { agent: 'payer', action: 'verify', args: { customer: 7, ssn: '123-45-4417' } },
        agent,
      );
      approvalId = (res.body as { result: { data: { approvalId: number } } }).result.data
        .approvalId;
    },
  );
  eventBody = JSON.stringify(event.body);
});
afterAll(() => server?.close());

/** Everything people without the admin role can read about the approval. */
async function whatPeopleSee(): Promise<string[]> {
  const bodies = [eventBody];
  for (const who of [viewer, reviewer]) {
    for (const [p, input] of [
      ['approvals.byId', { id: approvalId }],
      ['approvals.list', {}],
      ['approvals.pending', undefined],
      ['audit.list', { agent: 'payer' }],
    ] as const) {
      const res = await trpc(server.url, p, 'query', input, who);
      expect(res.status, p).toBe(200);
      bodies.push(JSON.stringify(res.body));
    }
    for (const p of [
      '/approvals/pending',
      '/sdk/pending-approvals',
      '/sdk/find-approval/payer/verify',
      '/logs',
    ]) {
      const res = await rest(server.url, 'GET', p, undefined, who);
      expect(res.status, p).toBe(200);
      bodies.push(JSON.stringify(res.body));
    }
  }
  return bodies;
}

describe('masked arguments stay masked', () => {
  it('no digest of the arguments reaches a viewer or reviewer, so brute force finds nothing', async () => {
    const bodies = await whatPeopleSee();
    expect(bodies.join('\n')).toContain('***-**-4417');
    expect(bodies.join('\n')).not.toMatch(/argsHash|args_hash/);
    const digests = new Set(bodies.join('\n').match(/[0-9a-f]{64}/g) ?? []);
    let found: string | null = null;
    for (let n = 0; n < 100_000 && !found; n++) {
      const digits = String(n).padStart(5, '0');
      const ssn = `${digits.slice(0, 3)}-${digits.slice(3)}-4417`;
      const digest = createHash('sha256')
        .update(canonicalJson({ customer: 7, ssn }))
        .digest('hex');
      if (digests.has(digest)) found = ssn;
    }
    expect(found).toBeNull();
  });

  it('the binding key lives in the data directory, readable by its owner only', async () => {
    const info = await stat(path.join(server.dataDir, 'binding.key'));
    expect(info.mode & 0o777).toBe(0o600);
  });
});
