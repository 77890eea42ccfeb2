import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AegisApi, DecisionEvent } from '../src/index';
import { GLOBAL_YAML, PARITY_CASES, type ParityCall, type ParityCase } from './fixtures/parityCases';
import { reviewerFor, sdkFor, startTestServer, type TestServer } from './helpers/server';

/**
 * Local-mode parity: the same table of cases gives the same answers from the server (strict mode)
 * and from the SDK's local mode, which evaluates the pushed rule documents with the same shared
 * engine — or hands the call to the server where it must (REVIEW, history, session).
 */
type Mode = 'strict' | 'local';
interface Answer {
  verdict: string;
  rule: string | null;
  scope?: string;
  reason: string;
  source: DecisionEvent['source'];
}

let server: TestServer;
let admin: AegisApi;
let scratch: string;
const clients = {} as Record<Mode, ReturnType<typeof sdkFor>>;
const events = new Map<string, DecisionEvent>();

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'aegis-parity-'));
  server = await startTestServer();
  admin = reviewerFor(server);
  const applied = await admin.policies.applyRules.mutate({ yaml: GLOBAL_YAML, message: 'parity table' });
  expect(applied.ok).toBe(true);
  const onDecision = (e: DecisionEvent) => void events.set(e.callId, e);
  clients.strict = sdkFor(server, { onDecision });
  clients.local = sdkFor(server, { mode: 'local', spoolPath: path.join(scratch, 'spool.jsonl'), onDecision });
}, 60_000);

afterAll(async () => {
  await Promise.all(Object.values(clients).map((c) => c.close()));
  await server?.stop();
  await rm(scratch, { recursive: true, force: true });
});

// REVIEW answers name the approval they opened: the same decision, another approval number.
const withoutApproval = (reason: string) => reason.replace(/; (approval #\d+ opened|awaiting approval #\d+)$/, '');

async function attempt(mode: Mode, agent: string, c: Pick<ParityCase, 'lists' | 'labels'>, call: ParityCall): Promise<DecisionEvent> {
  const aegis = clients[mode];
  const seen = new Set(events.keys());
  await aegis
    // Labels come from the agent's code, as `agent(name, { labels })` declares them.
    .agent(agent, { ...c.lists, ...(c.labels ? { labels: c.labels } : {}) })
    .call(call.action, call.args ?? {}, () => 'ran', { ...call.options, wait: false })
    .catch(() => undefined);
  const fresh = [...events.values()].filter((e) => !seen.has(e.callId) && e.agent === agent);
  expect(fresh, `one decision for ${call.action}`).toHaveLength(1);
  return fresh[0]!;
}

async function run(c: ParityCase, index: number, mode: Mode): Promise<Answer> {
  const agent = `${c.prefix}_${index}_${mode}`;
  await admin.sdk.registerAgent.mutate({ name: agent, ...c.lists });
  if (c.rules || c.default) {
    const doc = { kind: 'AgentPolicy', agent, rules: c.rules ?? [], ...(c.default ? { default: c.default } : {}) };
    const applied = await admin.policies.applyRules.mutate({ yaml: JSON.stringify(doc) });
    expect(applied.problems).toEqual([]);
  }
  if (c.paused) await admin.agents.setStatus.mutate({ name: agent, status: 'PAUSED' });
  for (const call of c.before ?? []) expect((await attempt(mode, agent, c, call)).verdict).toBe('ALLOWED');
  const e = await attempt(mode, agent, c, c.call);
  return { verdict: e.verdict, rule: e.rule?.id ?? null, scope: e.rule?.scope, reason: withoutApproval(e.reason), source: e.source };
}

describe('local mode gives the server’s answers (one table, both modes)', () => {
  it.each(PARITY_CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const strict = await run(c, i, 'strict');
    const local = await run(c, i, 'local');
    expect(strict.verdict).toBe(c.expect.verdict);
    expect(strict.rule).toBe(c.expect.rule);
    if (c.expect.scope) expect(strict.scope).toBe(c.expect.scope);
    if (c.expect.reason) expect(strict.reason).toContain(c.expect.reason);
    expect(strict.source).toBe('server');
    // Identical answers, the agent's name aside (each mode has its own agent).
    const same = (a: Answer) => ({ ...a, reason: a.reason.replaceAll(/_\d+_(strict|local)/g, ''), source: undefined });
    expect(same(local)).toEqual(same(strict));
    expect(local.source).toBe(c.local === 'local' ? 'local' : 'server');
  });

  it('the server takes every record local mode shipped (its report check agrees), with the deciding rule', async () => {
    await clients.local.flush();
    expect(clients.local.backgroundErrors).toEqual([]);
    const { entries } = await admin.audit.list.query({ agent: `customer_support_${PARITY_CASES.findIndex((c) => c.name.startsWith('session: PII then'))}_local`, limit: 10 });
    const read = entries.find((e) => e.action === 'read_customer');
    expect(read).toMatchObject({ status: 'ALLOWED', source: 'agent', rule: { id: 'mail', scope: 'agent' } });
  });
});
