/**
 * Attack review 11: a condition that multiplies work without a loop. `args.l + args.l + … +
 * args.l` copies the list once per `+` of the chain: 60 terms over a 30,000-element argument —
 * 548 characters a viewer may send as a draft to policies.tryCall — held the server's event loop
 * for 7–10 s (130 terms: 38 s), every other request waiting. Each term is now charged its
 * copies against the per-decision step budget before the chain runs, and the rule fails closed.
 * (What the test checks is the decision, never a duration.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey, trpc, type Credential } from './harness';

let server: TestServer;
let viewer: Credential;
let agent: Credential;
const chain = (n: number) => `size(${Array.from({ length: n }, () => 'args.l').join(' + ')}) == 0`;
const draft = (when: string) =>
  `kind: AgentPolicy\nagent: costly\nrules:\n  - id: heavy\n    actions: [read]\n    when: ${JSON.stringify(when)}\n    effect: BLOCK\n`;
const list = Array.from({ length: 30_000 }, () => 1);

interface Tried {
  verdict: string;
  rule: { id: string } | null;
  errors: Array<{ message: string }>;
}

beforeAll(async () => {
  server = await startTestServer();
  const admin: Credential = { kind: 'bearer', key: server.adminKey };
  await trpc(server.url, 'sdk.registerAgent', 'mutation', { name: 'costly', allows: ['read'] }, admin);
  viewer = { kind: 'bearer', key: (await createKey(server, 'vic', 'viewer')).key };
  agent = { kind: 'bearer', key: (await createKey(server, 'bot', 'agent', ['costly'])).key };
});
afterAll(() => server?.close());

describe('a chain of list concatenations', () => {
  it("in a viewer's draft (policies.tryCall) fails closed instead of running", async () => {
    const res = await trpc(
      server.url,
      'policies.tryCall',
      'mutation',
      { agent: 'costly', action: 'read', args: { l: list }, yaml: draft(chain(30)) },
      viewer,
    );
    expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(200);
    const tried = (res.body as { result: { data: Tried } }).result.data;
    expect(tried).toMatchObject({ verdict: 'BLOCKED', rule: { id: 'heavy' } });
    expect(tried.errors[0]?.message).toMatch(/list elements × the `\+`s that copy them/);
  });

  it('in a stored policy, decided for an agent, blocks the call', async () => {
    const admin: Credential = { kind: 'bearer', key: server.adminKey };
    const applied = await trpc(server.url, 'policies.applyRules', 'mutation', { yaml: draft(chain(30)), message: 'costly' }, admin);
    expect(applied.status, JSON.stringify(applied.body).slice(0, 400)).toBe(200);
    const small = await trpc(server.url, 'sdk.decide', 'mutation', { agent: 'costly', action: 'read', args: { l: [1, 2] } }, agent);
    expect((small.body as { result: { data: { verdict: string } } }).result.data.verdict).toBe('ALLOWED');
    const big = await trpc(server.url, 'sdk.decide', 'mutation', { agent: 'costly', action: 'read', args: { l: list } }, agent);
    expect(big.status, JSON.stringify(big.body).slice(0, 400)).toBe(200);
    expect((big.body as { result: { data: { verdict: string } } }).result.data.verdict).toBe('BLOCKED');
  });
});
