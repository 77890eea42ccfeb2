import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/testServer';
import { call, createKey } from './restClient';

/** Labels over REST: the seed's /sdk/register-agent takes them as an extra field. */
let server: Awaited<ReturnType<typeof startTestServer>>;
let agentKey: string;
const post = (path: string, body: unknown, key: string) =>
  call(server.url, path, { method: 'POST', key, body });

beforeAll(async () => {
  server = await startTestServer();
  agentKey = await createKey(server.url, server.adminKey, 'agent', ['rest_payer']);
  const applied = await post(
    '/policy-documents/apply',
    {
      yaml: 'kind: GlobalPolicy\nrules:\n  - id: payments-hold\n    agents: [{ labels: { team: payments } }]\n    actions: [transfer_funds]\n    effect: REVIEW\n',
    },
    server.adminKey,
  );
  expect(applied.body).toMatchObject({ ok: true });
});
afterAll(() => server?.close());

describe('REST /sdk/register-agent with labels', () => {
  it('sets them for a new agent; a global rule selects it by them', async () => {
    const registered = await post(
      '/sdk/register-agent',
      { name: 'rest_payer', labels: { team: 'payments' } },
      agentKey,
    );
    expect(registered).toMatchObject({ status: 200, body: { status: 'ok' } });
    const decided = await post(
      '/sdk/decide',
      { agent_name: 'rest_payer', action: 'transfer_funds', args: { amount: 1 } },
      agentKey,
    );
    expect(decided.body).toMatchObject({
      verdict: 'REVIEW',
      rule: { id: 'payments-hold', scope: 'global' },
    });
  });

  it("after the agent's first call its key can't change them (the answer says why); an admin key can", async () => {
    const refused = await post(
      '/sdk/register-agent',
      { name: 'rest_payer', labels: { team: 'none' } },
      agentKey,
    );
    expect(refused.status).toBe(200);
    expect((refused.body as { detail?: string }).detail).toContain('Labels not changed');
    const byAdmin = await post(
      '/sdk/register-agent',
      { name: 'rest_payer', labels: { team: 'none' } },
      server.adminKey,
    );
    expect(byAdmin.body).toEqual({ status: 'ok' });
    const decided = await post(
      '/sdk/decide',
      { agent_name: 'rest_payer', action: 'transfer_funds', args: { amount: 1 } },
      agentKey,
    );
    expect(decided.body).toMatchObject({ rule: { id: 'default' } });
  });

  it('refuses malformed labels with 400', async () => {
    const bad = await post(
      '/sdk/register-agent',
      { name: 'rest_payer', labels: { team: 5 } },
      server.adminKey,
    );
    expect(bad.status).toBe(400);
  });
});
