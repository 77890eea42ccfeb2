/**
 * POST /api/sdk/decide and tRPC sdk.decide are one decision: the same calls, sent each way for
 * two agents under the same policy, get the same answers — verdict, reason, rule, approval and
 * the arguments to run (`args`, with `args_replaced: true` over REST) when the server replaced
 * them: masked by a REDACT rule, edited by the admin who approved the call, masked on an approved
 * call a REDACT rule matches, and again on a retry of the same call id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { trpcClient } from '../helpers/trpcClient';
import { call, createKey } from './restClient';

let server: TestServer;
let agentKey: string;
let reviewerKey: string;
const CARD = '4111 1111 1111 1111';

const policy = (agent: string) => `kind: AgentPolicy
agent: ${agent}
default: ALLOW
rules:
  - id: no-drops
    actions: [drop]
    effect: BLOCK
  - id: wires-reviewed
    actions: [wire]
    effect: REVIEW
  - id: big-transfers
    actions: [transfer]
    when: args.amount > 1000.0
    effect: REVIEW
  - id: mask-cards
    actions: [pay, transfer]
    when: dlp.foundIn('args', 'card')
    effect: REDACT
`;

/** The REST answer, strictly: `args` and `args_replaced` come together or not at all. */
const restAnswer = z
  .object({
    verdict: z.enum(['ALLOWED', 'BLOCKED', 'REVIEW', 'KILLED']),
    reason: z.string(),
    call_id: z.string(),
    audit_id: z.number().int(),
    approval_id: z.number().int().nullable(),
    policy_version: z.number().int(),
    rule: z.object({ id: z.string(), scope: z.string(), version: z.number().int() }).nullable(),
    args: z.record(z.string(), z.unknown()).optional(),
    args_replaced: z.literal(true).optional(),
  })
  .strict()
  .refine((a) => (a.args === undefined) === (a.args_replaced === undefined), 'args and args_replaced go together');

interface Answer {
  verdict: string;
  reason: string;
  callId: string;
  auditId: number;
  approvalId: number | null;
  policyVersion: number;
  rule: unknown;
  args?: Record<string, unknown>;
}

type Decide = (action: string, args: Record<string, unknown>, callId?: string) => Promise<Answer>;

function viaTrpc(agent: string): Decide {
  const api = trpcClient(server.url, agentKey);
  return async (action, args, callId) => {
    const d = await api.sdk.decide.mutate({ agent, action, args, ...(callId ? { callId } : {}) });
    return { ...d, rule: d.rule ?? null };
  };
}

function viaRest(agent: string): Decide {
  return async (action, args, callId) => {
    const res = await call(server.url, '/sdk/decide', {
      method: 'POST',
      key: agentKey,
      body: { agent_name: agent, action, args, ...(callId ? { call_id: callId } : {}) },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const a = restAnswer.parse(res.body);
    return {
      verdict: a.verdict,
      reason: a.reason,
      callId: a.call_id,
      auditId: a.audit_id,
      approvalId: a.approval_id,
      policyVersion: a.policy_version,
      rule: a.rule,
      ...(a.args ? { args: a.args } : {}),
    };
  };
}

/** What must be equal across the two ways: ids differ per agent, their presence must not. */
const comparable = (a: Answer) => ({
  verdict: a.verdict,
  reason: a.reason.replace(/#\d+/g, '#N'),
  approval: a.approvalId !== null,
  policyVersion: a.policyVersion,
  rule: a.rule,
  args: a.args ?? null,
});

/** The same script of calls for one agent; the answers in order. */
async function script(agent: string, decide: Decide): Promise<Answer[]> {
  const admin = trpcClient(server.url, server.adminKey);
  const reviewer = trpcClient(server.url, reviewerKey);
  const out: Answer[] = [];
  const step = (a: Answer) => {
    out.push(a);
    return a;
  };
  step(await decide('read', { id: 1 }));
  step(await decide('drop', {}));
  step(await decide('pay', { memo: `card ${CARD}` }));
  // an admin's Edit & approve: the call runs the edited arguments, a retry of the call id too
  const wire = step(await decide('wire', { to: 'ACME', amount: 10_000 }));
  await admin.approvals.decide.mutate({
    id: wire.approvalId!,
    decision: 'APPROVED',
    editedArgs: { to: 'ACME', amount: 100 },
  });
  step(await decide('wire', { to: 'ACME', amount: 10_000 }, `${agent}-wire-0001`));
  step(await decide('wire', { to: 'ACME', amount: 10_000 }, `${agent}-wire-0001`));
  // review and REDACT both match: approved, it runs masked
  const transfer = step(await decide('transfer', { amount: 5000, memo: `card ${CARD}` }));
  await reviewer.approvals.decide.mutate({ id: transfer.approvalId!, decision: 'APPROVED' });
  step(await decide('transfer', { amount: 5000, memo: `card ${CARD}` }, `${agent}-xfer-0001`));
  step(await decide('transfer', { amount: 5000, memo: `card ${CARD}` }, `${agent}-xfer-0001`));
  return out;
}

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  agentKey = await createKey(server.url, server.adminKey, 'agent', ['ViaTrpc', 'ViaRest']);
  reviewerKey = await createKey(server.url, server.adminKey, 'reviewer');
  const admin = trpcClient(server.url, server.adminKey);
  await admin.sdk.registerAgent.mutate({ name: 'ViaTrpc' });
  await admin.sdk.registerAgent.mutate({ name: 'ViaRest' });
  await admin.policies.applyRules.mutate({ yaml: `${policy('ViaTrpc')}---\n${policy('ViaRest')}` });
});
afterAll(() => server?.close());

describe('POST /sdk/decide answers what sdk.decide answers', () => {
  it('the same script of calls, each way: the same verdicts, reasons, rules and arguments to run', async () => {
    const trpc = await script('ViaTrpc', viaTrpc('ViaTrpc'));
    const rest = await script('ViaRest', viaRest('ViaRest'));
    expect(rest.map(comparable)).toEqual(trpc.map(comparable));

    // and what they are: the arguments to run whenever the server replaced them
    const [read, drop, pay, , edited, editedAgain, , masked, maskedAgain] = rest;
    expect(read).toMatchObject({ verdict: 'ALLOWED' });
    expect(read).not.toHaveProperty('args');
    expect(drop).toMatchObject({ verdict: 'BLOCKED' });
    expect(pay).toMatchObject({ verdict: 'ALLOWED', args: { memo: 'card ************1111' } });
    expect(edited).toMatchObject({ verdict: 'ALLOWED', args: { to: 'ACME', amount: 100 } });
    expect(editedAgain).toMatchObject({ auditId: edited!.auditId, args: { to: 'ACME', amount: 100 } });
    expect(masked).toMatchObject({ verdict: 'ALLOWED', args: { amount: 5000, memo: 'card ************1111' } });
    expect(maskedAgain).toMatchObject({ auditId: masked!.auditId, args: masked!.args });
  });

  it('the OpenAPI document names args and args_replaced on both SDK decision paths', async () => {
    const doc = (await call(server.url, '/openapi.json', { key: null })).body as {
      paths: Record<string, { post?: { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown> } }> }> } }>;
    };
    for (const path of ['/sdk/decide', '/sdk/approval']) {
      const props = doc.paths[path]?.post?.responses['200']?.content['application/json']?.schema.properties;
      expect(Object.keys(props ?? {}), path).toEqual(expect.arrayContaining(['args', 'args_replaced']));
    }
  });
});
