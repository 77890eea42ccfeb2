import type { Api } from './server';

export const SUPPORT = 'Customer Support';
export const FRAUD = 'Fraud Detection';
export const LOANS = 'Loan Processor';

export interface Seeded {
  viewerKey: string;
  reviewerKey: string;
  /** An agent key scoped to the seeded agents: what the SDK would hold. */
  agentKey: string;
  /** A REVIEW call left pending, with an SSN in its arguments (masked on screen). */
  pendingApprovalId: number;
}

/**
 * Three agents with the seed's kinds of policy and a little history of every verdict, written
 * through the real procedures (registration and decisions as the SDK makes them).
 */
export async function seed(admin: Api): Promise<Seeded> {
  const [viewer, reviewer, agent] = await Promise.all([
    admin.keys.create.mutate({ name: 'vera-viewer', role: 'viewer' }),
    admin.keys.create.mutate({ name: 'rex-reviewer', role: 'reviewer' }),
    admin.keys.create.mutate({ name: 'bank-agents', role: 'agent', agents: [SUPPORT, FRAUD, LOANS] }),
  ]);
  await admin.sdk.registerAgent.mutate({
    name: SUPPORT,
    owner: 'alice',
    description: 'Answers customer questions about balances and transactions.',
    framework: 'langgraph',
    allows: ['lookup_balance', 'get_transaction_history', 'send_notification'],
    blocks: ['delete_records', 'connect_external'],
  });
  await admin.sdk.registerAgent.mutate({
    name: FRAUD,
    owner: 'bob',
    description: 'Investigates suspicious transactions; may read SSNs.',
    framework: 'langgraph',
    allows: ['access_ssn', 'get_transaction_history', 'flag_transaction'],
    blocks: ['delete_records'],
  });
  await admin.sdk.registerAgent.mutate({
    name: LOANS,
    owner: 'carol',
    description: 'Assesses loan applications.',
    framework: 'langgraph',
    allows: ['check_credit_score'],
    blocks: ['access_credit_card', 'delete_records'],
  });
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
  for (const [name, action, args] of calls) await admin.sdk.decide.mutate({ agent: name, action, args });
  const review = await admin.sdk.decide.mutate({
    agent: SUPPORT,
    action: 'access_ssn',
    args: { customer_id: 3, ssn: '123-45-6789', reason: 'verify identity' },
  });
  if (review.verdict !== 'REVIEW' || review.approvalId === null) throw new Error(`expected REVIEW, got ${review.verdict}`);
  return { viewerKey: viewer.key, reviewerKey: reviewer.key, agentKey: agent.key, pendingApprovalId: review.approvalId };
}
