/**
 * Issue 12, finding 1: an agent key can't loosen its own policy. People's rules win over rules
 * declared in code; after its first policy, a registration from an agent key may tighten it, and
 * a loosening change becomes a proposal an admin accepts or rejects — over tRPC and REST alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyProposal, RegisterAgentResult } from '@aegis/shared';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey, rest, trpc, type Credential, data } from './harness';

let server: TestServer;
let admin: Credential;
let bot: Credential;

const mutate = async <T>(path: string, input: unknown, who: Credential) =>
  data<T>(await trpc(server.url, path, 'mutation', input, who));
const verdict = async (agent: string, action: string) =>
  (await mutate<{ verdict: string }>('sdk.decide', { agent, action }, bot)).verdict;

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = { kind: 'bearer', key: server.adminKey };
  bot = {
    kind: 'bearer',
    key: (await createKey(server, 'bots', 'agent', ['bot1', 'bot2', 'fresh'])).key,
  };
  for (const name of ['bot1', 'bot2']) {
    await mutate('sdk.registerAgent', { name, allows: ['read'] }, bot);
    expect(await verdict(name, 'read')).toBe('ALLOWED'); // in use from here on
  }
});
afterAll(() => server?.close());

describe('who may change a policy (tRPC)', () => {
  it("a person's BLOCK stays; a new ALLOW becomes a proposal; the answer says so", async () => {
    await mutate('policies.set', { agent: 'bot1', action: 'wire', rule: 'BLOCK' }, admin);
    const answer = await mutate<RegisterAgentResult>(
      'sdk.registerAgent',
      { name: 'bot1', allows: ['read', 'wire', 'delete_all'] },
      bot,
    );
    expect(await verdict('bot1', 'wire')).toBe('BLOCKED');
    expect(await verdict('bot1', 'delete_all')).toBe('REVIEW');
    expect(answer.policy.allowed).toEqual(['read']);
    expect(answer.proposal).toMatchObject({
      agent: 'bot1',
      status: 'PENDING',
      changes: [{ action: 'delete_all', from: null, to: 'ALLOW' }],
    });
    expect(answer.notice).toContain(`proposal #${answer.proposal?.id}`);

    // registering the same again (every start of the agent) asks once
    const again = await mutate<RegisterAgentResult>(
      'sdk.registerAgent',
      { name: 'bot1', allows: ['read', 'wire', 'delete_all'] },
      bot,
    );
    expect(again.proposal?.id).toBe(answer.proposal?.id);
  });

  it('tightening from code applies at once', async () => {
    const answer = await mutate<RegisterAgentResult>(
      'sdk.registerAgent',
      { name: 'bot1', blocks: ['read'] },
      bot,
    );
    expect(answer.proposal).toBeNull();
    expect(await verdict('bot1', 'read')).toBe('BLOCKED');
  });

  it('an admin accepts; the agent cannot accept its own proposal', async () => {
    const answer = await mutate<RegisterAgentResult>(
      'sdk.registerAgent',
      { name: 'bot1', allows: ['delete_all'], blocks: ['read'] },
      bot,
    );
    const id = answer.proposal?.id;
    expect(id).toBeDefined();
    const self = await trpc(server.url, 'policies.acceptProposal', 'mutation', { id }, bot);
    expect(self.status).toBe(403);
    expect(
      (await rest(server.url, 'POST', `/policy-proposals/${id}/accept`, undefined, bot)).status,
    ).toBe(403);
    expect(await verdict('bot1', 'delete_all')).toBe('REVIEW');

    const accepted = await mutate<PolicyProposal>('policies.acceptProposal', { id }, admin);
    expect(accepted).toMatchObject({ status: 'ACCEPTED', decidedBy: 'admin' });
    expect(await verdict('bot1', 'delete_all')).toBe('ALLOWED');
    expect(await verdict('bot1', 'wire')).toBe('BLOCKED'); // the person's rule still wins
    const twice = await trpc(server.url, 'policies.acceptProposal', 'mutation', { id }, admin);
    expect(twice.status).toBe(409);
  });
});

describe('who may change a policy (REST, the seed path)', () => {
  it('register-policy from an agent key: a new ALLOW is proposed, a BLOCK applies, a person rejects', async () => {
    const allow = await rest(
      server.url,
      'POST',
      '/sdk/register-policy',
      { agent_name: 'bot2', action: 'pay', rule_type: 'ALLOW' },
      bot,
    );
    expect(allow.status).toBe(200);
    expect(allow.body).toMatchObject({
      status: 'ok',
      applied: false,
      proposal_id: expect.any(Number),
    });
    expect((allow.body as { detail: string }).detail).toMatch(/would loosen/);
    expect(await verdict('bot2', 'pay')).toBe('REVIEW');

    const block = await rest(
      server.url,
      'POST',
      '/sdk/register-policy',
      { agent_name: 'bot2', action: 'read', rule_type: 'BLOCK' },
      bot,
    );
    expect(block.body).toMatchObject({ applied: true, proposal_id: null });
    expect(await verdict('bot2', 'read')).toBe('BLOCKED');
    const unblock = await rest(
      server.url,
      'POST',
      '/sdk/register-policy',
      { agent_name: 'bot2', action: 'read', rule_type: 'REVIEW' },
      bot,
    );
    expect(unblock.body).toMatchObject({ applied: false });
    expect(await verdict('bot2', 'read')).toBe('BLOCKED');

    // /sdk/register-agent changes the profile only, never rules
    await rest(server.url, 'POST', '/sdk/register-agent', { name: 'bot2', owner: 'mallory' }, bot);
    expect(await verdict('bot2', 'read')).toBe('BLOCKED');

    const listed = await rest(
      server.url,
      'GET',
      '/policy-proposals?agent=bot2&status=PENDING',
      undefined,
      admin,
    );
    const [latest] = listed.body as Array<{ id: number; changes: unknown[] }>;
    expect(latest?.changes).toEqual([{ action: 'read', from: 'BLOCK', to: 'REVIEW' }]);
    const rejected = await rest(
      server.url,
      'POST',
      `/policy-proposals/${latest?.id}/reject`,
      undefined,
      admin,
    );
    expect(rejected).toMatchObject({
      status: 200,
      body: { status: 'REJECTED', decided_by: 'admin' },
    });
    // a rejected change stays rejected when the code asks for it again
    const asked = await rest(
      server.url,
      'POST',
      '/sdk/register-policy',
      { agent_name: 'bot2', action: 'read', rule_type: 'REVIEW' },
      bot,
    );
    expect(asked.body).toMatchObject({ applied: false, proposal_id: latest?.id });
    expect((asked.body as { detail: string }).detail).toMatch(/rejected by admin/);
  });

  it("an agent's first policy is its code's to declare (the seed's model)", async () => {
    for (const [action, rule_type] of [
      ['lookup', 'ALLOW'],
      ['drop', 'BLOCK'],
    ] as const) {
      const res = await rest(
        server.url,
        'POST',
        '/sdk/register-policy',
        { agent_name: 'fresh', action, rule_type },
        bot,
      );
      expect(res.status).toBe(404); // not registered yet
    }
    await rest(server.url, 'POST', '/sdk/register-agent', { name: 'fresh' }, bot);
    for (const [action, rule_type] of [
      ['lookup', 'ALLOW'],
      ['drop', 'BLOCK'],
    ] as const) {
      const res = await rest(
        server.url,
        'POST',
        '/sdk/register-policy',
        { agent_name: 'fresh', action, rule_type },
        bot,
      );
      expect(res.body).toMatchObject({ status: 'ok', applied: true });
    }
    expect(await verdict('fresh', 'lookup')).toBe('ALLOWED');
  });

  it('the record shows proposals and their decisions, and the chain verifies', async () => {
    const { entries } = data<{ entries: Array<{ action: string; source: string; actor: string }> }>(
      await trpc(server.url, 'audit.list', 'query', { status: ['POLICY'], limit: 200 }, admin),
    );
    const actions = entries.map((e) => `${e.action}/${e.source}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'aegis:propose/agent',
        'aegis:proposal-accept/person',
        'aegis:proposal-reject/person',
        'aegis:register/agent',
        'aegis:policy/person',
      ]),
    );
    expect(data(await trpc(server.url, 'audit.verify', 'query', undefined, admin))).toMatchObject({
      ok: true,
    });
  });
});

describe('AEGIS_AGENT_REGISTRATION=review', () => {
  it("even an agent's first declared policy waits for an admin; its blocks apply at once", async () => {
    const strict = await startTestServer({ inMemoryStore: true, agentRegistration: 'review' });
    try {
      const key: Credential = {
        kind: 'bearer',
        key: (await createKey(strict, 'b', 'agent', ['newbie'])).key,
      };
      const res = await trpc(
        strict.url,
        'sdk.registerAgent',
        'mutation',
        { name: 'newbie', allows: ['a'], blocks: ['b'] },
        key,
      );
      const answer = data<RegisterAgentResult>(res);
      expect(answer.policy).toMatchObject({ allowed: [], blocked: ['b'] });
      expect(answer.proposal?.changes).toEqual([{ action: 'a', from: null, to: 'ALLOW' }]);
      const rest1 = await rest(
        strict.url,
        'POST',
        '/sdk/register-policy',
        { agent_name: 'newbie', action: 'c', rule_type: 'ALLOW' },
        key,
      );
      expect(rest1.body).toMatchObject({ applied: false });
    } finally {
      await strict.close();
    }
  });
});
