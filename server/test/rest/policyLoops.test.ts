import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/testServer';
import { trpcClient } from '../helpers/trpcClient';
import { call, createKey } from './restClient';

// Review 6: a viewer's policy trial nesting exists() five deep over literal lists ran 52 M
// evaluations on the event loop (~6 s, every other request waiting). Refused when tried or
// saved; a condition within that bound but heavy on an agent's data fails closed when it runs.

let server: Awaited<ReturnType<typeof startTestServer>>;
let admin: string;
let viewer: string;
let agentKey: string;

const literal = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;
const nested = (n: number, depth: number) => {
  let expr = 'false';
  for (let d = depth - 1; d >= 0; d--) expr = `${literal(n)}.exists(v${d}, ${expr})`;
  return expr;
};
const policy = (when: string) => `kind: AgentPolicy
agent: loops_bot
default: ALLOW
rules:
  - id: nest
    actions: [pay]
    when: "${when}"
    effect: BLOCK
`;
const REFUSED = `nested comprehensions would evaluate up to ${35 ** 3} times (the product of the literal lists' sizes); limit 10000`;
// Within the bound when saved (100 × 100 over literal lists), multiplied by the agent's list.
const HEAVY = `args.xs.exists(x, ${literal(100)}.exists(i, ${literal(100)}.exists(j, x == double(i + j) + 1000.0)))`;
const numbers = (n: number) => Array.from({ length: n }, (_, i) => i);

type Problem = { ruleId?: string; message: string; text: string };

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = server.adminKey;
  const registered = await call(server.url, '/sdk/register-agent', {
    method: 'POST',
    key: admin,
    body: { name: 'loops_bot' },
  });
  expect(registered.status).toBe(200);
  viewer = await createKey(server.url, admin, 'viewer');
  agentKey = await createKey(server.url, admin, 'agent', ['loops_bot']);
});
afterAll(() => server?.close());

describe('nested loops in policy conditions', () => {
  it("a viewer's trial of the review's draft is refused, naming the rule and the bound", async () => {
    const yaml = policy(nested(35, 5));
    const tried = await trpcClient(server.url, viewer).policies.tryCall.mutate({
      agent: 'loops_bot',
      action: 'pay',
      args: {},
      yaml,
    });
    expect(tried.ok).toBe(false);
    expect(tried.problems).toEqual([expect.objectContaining({ ruleId: 'nest', message: REFUSED })]);
    expect(tried.problems[0]!.text).toContain('rule "nest" when:');

    const rest = await call(server.url, '/policy-documents/try', {
      method: 'POST',
      key: viewer,
      body: { agent: 'loops_bot', action: 'pay', args: {}, yaml },
    });
    expect(rest.status).toBe(200);
    expect((rest.body as { ok: boolean; problems: Problem[] }).problems[0]).toMatchObject({
      ruleId: 'nest',
      message: REFUSED,
    });
  });

  it('saving it is refused too, and nothing is stored', async () => {
    const applied = await call(server.url, '/policy-documents/apply', {
      method: 'POST',
      key: admin,
      body: { yaml: policy(nested(35, 5)) },
    });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({
      ok: false,
      problems: [{ ruleId: 'nest', message: REFUSED }],
    });
    const stored = await call(server.url, '/policy-documents?agent=loops_bot', { key: admin });
    expect(stored.body).toMatchObject({ document: null });
  });

  it('a condition heavy on the agent’s data fails closed with the reason; small loops still decide', async () => {
    const applied = await call(server.url, '/policy-documents/apply', {
      method: 'POST',
      key: admin,
      body: { yaml: policy(HEAVY) },
    });
    expect(applied.body).toMatchObject({ ok: true });
    const decide = (xs: number[]) =>
      call(server.url, '/sdk/decide', {
        method: 'POST',
        key: agentKey,
        body: { agent_name: 'loops_bot', action: 'pay', args: { xs } },
      });

    const small = await decide([1, 1001]);
    expect(small.body).toMatchObject({ verdict: 'BLOCKED', rule: { id: 'nest' } });
    expect((await decide([1, 2])).body).toMatchObject({ verdict: 'ALLOWED' });

    const heavy = await decide(numbers(1000));
    expect(heavy.status).toBe(200);
    expect(heavy.body).toMatchObject({ verdict: 'BLOCKED', rule: { id: 'nest' } });
    expect((heavy.body as { reason: string }).reason).toMatch(
      /could not be evaluated \(the condition's loops would run more than \d+ steps/,
    );

    const tried = await trpcClient(server.url, viewer).policies.tryCall.mutate({
      agent: 'loops_bot',
      action: 'pay',
      args: { xs: numbers(1000) },
    });
    expect(tried).toMatchObject({ ok: true, verdict: 'BLOCKED', rule: { id: 'nest' } });
  });
});
