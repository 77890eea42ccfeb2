import { createAegis, isRefusal, type Aegis } from '@aegis/sdk';
import type { Api } from './server';

export const SUPPORT = 'Customer Support';
export const FRAUD = 'Fraud Detection';
export const LOANS = 'Loan Processor';

export interface Seeded {
  viewerKey: string;
  reviewerKey: string;
  /** The SDK client the agents use, with an agent key scoped to the three agents. */
  aegis: Aegis;
  /** A REVIEW call left pending, with an SSN in its arguments (masked on screen). */
  pendingApprovalId: number;
}

/**
 * Three agents with the seed's kinds of policy and a little history of every verdict, made the
 * way a user's code makes them: keys from the admin API, agents and tool calls through the SDK.
 */
export async function seed(admin: Api, url: string): Promise<Seeded> {
  const [viewer, reviewer, agentKey] = await Promise.all([
    admin.keys.create.mutate({ name: 'vera-viewer', role: 'viewer' }),
    admin.keys.create.mutate({ name: 'rex-reviewer', role: 'reviewer' }),
    admin.keys.create.mutate({ name: 'bank-agents', role: 'agent', agents: [SUPPORT, FRAUD, LOANS] }),
  ]);
  // A generous request timeout: the test machine may be busy, and slowness is not failure here.
  const aegis = createAegis({ url, apiKey: agentKey.key, requestTimeoutMs: 30_000, onError: () => undefined });
  const agents = [
    aegis.agent(SUPPORT, {
      owner: 'alice',
      description: 'Answers customer questions about balances and transactions.',
      framework: 'langgraph',
      allows: ['lookup_balance', 'get_transaction_history', 'send_notification'],
      blocks: ['delete_records', 'connect_external'],
    }),
    aegis.agent(FRAUD, {
      owner: 'bob',
      description: 'Investigates suspicious transactions; may read SSNs.',
      framework: 'langgraph',
      allows: ['access_ssn', 'get_transaction_history', 'flag_transaction'],
      blocks: ['delete_records'],
    }),
    aegis.agent(LOANS, {
      owner: 'carol',
      description: 'Assesses loan applications.',
      framework: 'langgraph',
      allows: ['check_credit_score'],
      blocks: ['access_credit_card', 'delete_records'],
    }),
  ];
  await Promise.all(agents.map((a) => a.register()));
  const calls: Array<[string, string, Record<string, unknown>]> = [
    [SUPPORT, 'lookup_balance', { customer_id: 3 }],
    [SUPPORT, 'get_transaction_history', { customer_id: 3, limit: 10 }],
    [SUPPORT, 'delete_records', { table: 'customers' }],
    [FRAUD, 'access_ssn', { customer_id: 7 }],
    [FRAUD, 'flag_transaction', { transaction_id: 'TX-1001' }],
    [LOANS, 'check_credit_score', { customer_id: 5 }],
    [LOANS, 'access_credit_card', { customer_id: 5 }],
    [LOANS, 'delete_records', { table: 'loans' }],
  ];
  for (const [agent, action, args] of calls) await attempt(aegis, agent, action, args);
  await attempt(aegis, SUPPORT, 'access_ssn', { customer_id: 3, ssn: '123-45-6789', reason: 'verify identity' }, { wait: false });
  const [pending] = await admin.approvals.pending.query();
  if (!pending) throw new Error('the seeded review call opened no approval');
  await aegis.flush();
  return { viewerKey: viewer.key, reviewerKey: reviewer.key, aegis, pendingApprovalId: pending.id };
}

/** One guarded tool call; returns the verdict as a word, the way a user would read it. */
export async function attempt(
  aegis: Aegis,
  agent: string,
  action: string,
  args: Record<string, unknown>,
  options: { wait?: boolean; timeoutMs?: number } = {},
): Promise<string> {
  try {
    await aegis.call(agent, action, args, () => 'done', options);
    return 'RAN';
  } catch (error) {
    if (isRefusal(error)) return error.code;
    throw error;
  }
}
