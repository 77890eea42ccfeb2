/**
 * Review 5, H5 and H6: an agent key writes its first policy only until a person acts on it, and
 * the owner (which rules read as `agent.owner`) is guarded like the labels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisterAgentResult } from '@aegis/shared';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey, rest, trpc, type Credential, data } from './harness';

let server: TestServer;
let admin: Credential;
let bot: Credential;

const mutate = async <T>(path: string, input: unknown, who: Credential) =>
  data<T>(await trpc(server.url, path, 'mutation', input, who));
const query = async <T>(path: string, input: unknown, who: Credential) =>
  data<T>(await trpc(server.url, path, 'query', input, who));
const verdict = async (agent: string, action: string) =>
  await mutate<{ verdict: string; rule?: { id: string } }>('sdk.decide', { agent, action }, bot);
const post = (path: string, body: unknown, who: Credential = bot) =>
  rest(server.url, 'POST', path, body, who);
const ownerOf = async (name: string) =>
  (await query<{ agent: { owner: string } }>('agents.byName', { name }, admin)).agent.owner;

const LOCKDOWN = (agent: string) => `kind: AgentPolicy
agent: ${agent}
default: BLOCK
rules:
  - id: reads-only
    actions: [read_report]
    effect: ALLOW
`;
const OWNER_RULES = (agent: string) => `kind: AgentPolicy
agent: ${agent}
default: REVIEW
rules:
  - id: exports
    actions: [export_customers]
    effect: ALLOW
  - id: bank-owned-exports-reviewed
    actions: [export_customers]
    when: agent.owner.endsWith('@bank.example')
    effect: REVIEW
`;

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = { kind: 'bearer', key: server.adminKey };
  const agents = ['lockdown', 'lockdown2', 'owned', 'owned2', 'early', 'relabelled'];
  bot = { kind: 'bearer', key: (await createKey(server, 'pa-bots', 'agent', agents)).key };
});
afterAll(() => server?.close());

describe("a person's rule document wins over the agent's first declaration (H5)", () => {
  it('REST register-policy after an applied document is a proposal, not applied', async () => {
    await post('/sdk/register-agent', { name: 'lockdown', owner: 'o' });
    expect(
      (await post('/policy-documents/apply', { yaml: LOCKDOWN('lockdown') }, admin)).status,
    ).toBe(200);
    const declared = await post('/sdk/register-policy', {
      agent_name: 'lockdown',
      action: 'delete_records',
      rule_type: 'ALLOW',
    });
    expect(declared.body).toMatchObject({ status: 'ok', applied: false });
    expect((declared.body as { proposal_id: number | null }).proposal_id).toEqual(
      expect.any(Number),
    );
    expect((await verdict('lockdown', 'delete_records')).verdict).toBe('BLOCKED');
  });

  it('tRPC registerAgent after an applied document: allows and labels wait for a person', async () => {
    await mutate('sdk.registerAgent', { name: 'lockdown2' }, bot);
    expect(
      (await post('/policy-documents/apply', { yaml: LOCKDOWN('lockdown2') }, admin)).status,
    ).toBe(200);
    const answer = await mutate<RegisterAgentResult>(
      'sdk.registerAgent',
      { name: 'lockdown2', allows: ['delete_records'], labels: { tier: 'dev' } },
      bot,
    );
    expect(answer.proposal?.changes).toEqual([
      { action: 'delete_records', from: null, to: 'ALLOW' },
    ]);
    expect(answer.agent.labels).toEqual({});
    expect(answer.notice).toContain('Labels not changed');
    expect((await verdict('lockdown2', 'delete_records')).verdict).toBe('BLOCKED');
  });

  it("an admin's relabel ends the first policy too", async () => {
    await mutate('sdk.registerAgent', { name: 'relabelled' }, bot);
    await mutate('sdk.registerAgent', { name: 'relabelled', labels: { tier: 'prod' } }, admin);
    const answer = await mutate<RegisterAgentResult>(
      'sdk.registerAgent',
      { name: 'relabelled', allows: ['wire'], labels: { tier: 'dev' } },
      bot,
    );
    expect(answer.agent.labels).toEqual({ tier: 'prod' });
    expect(answer.proposal?.changes).toEqual([{ action: 'wire', from: null, to: 'ALLOW' }]);
  });
});

describe('the owner is set by code only for the first policy (H6)', () => {
  it('REST register-agent after the first call leaves the owner and says so', async () => {
    await mutate('sdk.registerAgent', { name: 'owned', owner: 'ops@bank.example' }, bot);
    expect(
      (await post('/policy-documents/apply', { yaml: OWNER_RULES('owned') }, admin)).status,
    ).toBe(200);
    expect((await verdict('owned', 'export_customers')).verdict).toBe('REVIEW');
    const res = await post('/sdk/register-agent', {
      name: 'owned',
      owner: 'someone@elsewhere.example',
    });
    expect(res.status).toBe(200);
    expect((res.body as { detail?: string }).detail).toContain('Owner not changed');
    expect(await ownerOf('owned')).toBe('ops@bank.example');
    expect((await verdict('owned', 'export_customers')).verdict).toBe('REVIEW');
  });

  it('tRPC registerAgent after the first call leaves the owner; an admin changes it as a new version', async () => {
    await mutate(
      'sdk.registerAgent',
      { name: 'owned2', owner: 'ops@bank.example', review: ['x'] },
      bot,
    );
    await verdict('owned2', 'x');
    const answer = await mutate<RegisterAgentResult>(
      'sdk.registerAgent',
      { name: 'owned2', owner: 'someone@elsewhere.example', review: ['x'] },
      bot,
    );
    expect(answer.agent.owner).toBe('ops@bank.example');
    expect(answer.changed).toBe(false);
    expect(answer.notice).toContain('Owner not changed');

    const byAdmin = await mutate<RegisterAgentResult>(
      'sdk.registerAgent',
      { name: 'owned2', owner: 'risk@bank.example' },
      admin,
    );
    expect(byAdmin.agent.owner).toBe('risk@bank.example');
    expect(byAdmin.policy.version).toBeGreaterThan(answer.policy.version);
    const log = await query<{ entries: Array<{ details: string }> }>(
      'audit.list',
      { agent: 'owned2', limit: 5 },
      admin,
    );
    expect(
      log.entries.some((e) =>
        e.details.includes('owner: "ops@bank.example" → "risk@bank.example"'),
      ),
    ).toBe(true);
  });

  it('before the first call (and before any person) the code may still set it', async () => {
    await post('/sdk/register-agent', { name: 'early', owner: 'a@bank.example' });
    const res = await post('/sdk/register-agent', { name: 'early', owner: 'b@bank.example' });
    expect((res.body as { detail?: string }).detail).toBeUndefined();
    expect(await ownerOf('early')).toBe('b@bank.example');
  });
});
