import type { AgentPolicyDocument, GlobalPolicyDocument } from '../schemas/policyRules';
import type { Verdict } from '../schemas/decision';
import type { PolicyCall, PolicyContext } from './evaluate';
import { historyKey } from './facts';

/**
 * The semantics of evaluation as a table: policies in, a call, what must come out. The shared
 * tests run it against `evaluatePolicy`; the server and the SDK's local mode run the same table
 * to prove they give the same answers.
 */
export interface PolicyCase {
  name: string;
  global?: GlobalPolicyDocument;
  agent?: AgentPolicyDocument;
  call: PolicyCall;
  context?: PolicyContext;
  expect: {
    verdict: Verdict;
    /** Deciding rule id ("default" when none matched; absent for KILLED). */
    rule?: string;
    scope?: 'agent' | 'global' | 'default';
    /** A substring of the reason. */
    reason?: string;
    /** Whether the decision reports a failed condition. */
    errors?: boolean;
  };
}

const support = { name: 'customer_support', owner: 'cx@bank.example', labels: { team: 'support', tier: 'prod' } };
const loans = { name: 'loan_processor', owner: 'lending@bank.example', labels: { team: 'lending', tier: 'prod' } };
const NOON_UTC = Date.parse('2026-03-04T12:00:00Z'); // a Wednesday

const loanPolicy: AgentPolicyDocument = {
  kind: 'AgentPolicy',
  agent: 'loan_processor',
  rules: [
    { id: 'transfers', actions: ['transfer_funds'], effect: 'ALLOW' },
    { id: 'big-transfers', actions: ['transfer_funds'], when: 'args.amount > 1000.0', effect: 'REVIEW', reason: 'Transfer of ${{ args.amount }} needs review' },
    { id: 'reads', actions: ['lookup_*', 'get_*'], effect: 'ALLOW' },
    { id: 'no-ssn', actions: ['access_ssn'], effect: 'BLOCK' },
  ],
};

const guardrails: GlobalPolicyDocument = {
  kind: 'GlobalPolicy',
  rules: [
    { id: 'no-deletes', actions: ['delete_*'], effect: 'BLOCK' },
    { id: 'prod-external', agents: [{ labels: { tier: 'prod' } }], actions: ['connect_external'], effect: 'BLOCK' },
    { id: 'loan-reports', agents: ['loan_*'], actions: ['generate_report'], effect: 'REVIEW' },
    {
      id: 'ssn-rate',
      actions: ['access_ssn'],
      when: "history.count('access_ssn', duration('1h')) >= 5",
      effect: 'BLOCK',
      reason: '{{ agent.name }} read 5 SSNs in the last hour',
    },
    { id: 'pii-then-outside', actions: ['send_*'], when: "session.touched('pii') && 'external' in tool.tags", effect: 'REVIEW' },
    { id: 'card-out', actions: ['send_notification'], when: "dlp.found('card')", effect: 'BLOCK' },
  ],
};

const ssnCount = (n: number) => ({ history: { [historyKey({ kind: 'count', action: 'access_ssn', windowMs: 3_600_000 })]: n } });

export const POLICY_CASES: PolicyCase[] = [
  { name: 'kill-switch first', agent: loanPolicy, call: { agent: loans, action: 'transfer_funds', args: { amount: 5 } }, context: { status: 'PAUSED' }, expect: { verdict: 'KILLED' } },
  { name: 'unconditional allow', agent: loanPolicy, call: { agent: loans, action: 'transfer_funds', args: { amount: 5 } }, expect: { verdict: 'ALLOWED', rule: 'transfers', scope: 'agent' } },
  { name: 'condition holds: review beats allow', agent: loanPolicy, call: { agent: loans, action: 'transfer_funds', args: { amount: 5000 } }, expect: { verdict: 'REVIEW', rule: 'big-transfers', reason: 'Transfer of $5000 needs review' } },
  { name: 'missing argument fails closed to REVIEW', agent: loanPolicy, call: { agent: loans, action: 'transfer_funds', args: {} }, expect: { verdict: 'REVIEW', rule: 'big-transfers', reason: 'could not be evaluated', errors: true } },
  { name: 'action glob', agent: loanPolicy, call: { agent: loans, action: 'lookup_balance' }, expect: { verdict: 'ALLOWED', rule: 'reads' } },
  { name: 'unknown action takes the default (REVIEW)', agent: loanPolicy, call: { agent: loans, action: 'launch_rocket' }, expect: { verdict: 'REVIEW', rule: 'default', scope: 'default' } },
  {
    name: 'explicit default',
    agent: { ...loanPolicy, default: 'BLOCK' },
    call: { agent: loans, action: 'launch_rocket' },
    expect: { verdict: 'BLOCKED', rule: 'default', scope: 'default' },
  },
  {
    name: 'global default when the agent sets none',
    global: { ...guardrails, default: 'BLOCK' },
    agent: loanPolicy,
    call: { agent: loans, action: 'launch_rocket' },
    expect: { verdict: 'BLOCKED', rule: 'default' },
  },
  {
    name: 'global BLOCK beats an agent ALLOW, even with priority',
    global: guardrails,
    agent: { kind: 'AgentPolicy', agent: 'loan_processor', rules: [{ id: 'may-delete', actions: ['delete_records'], effect: 'ALLOW', priority: 1000 }] },
    call: { agent: loans, action: 'delete_records' },
    expect: { verdict: 'BLOCKED', rule: 'no-deletes', scope: 'global' },
  },
  { name: 'label selector matches', global: guardrails, call: { agent: support, action: 'connect_external' }, expect: { verdict: 'BLOCKED', rule: 'prod-external' } },
  {
    name: 'label selector does not match other labels',
    global: guardrails,
    call: { agent: { name: 'sandbox', labels: { tier: 'dev' } }, action: 'connect_external' },
    expect: { verdict: 'REVIEW', rule: 'default' },
  },
  { name: 'agent glob selects', global: guardrails, call: { agent: loans, action: 'generate_report' }, expect: { verdict: 'REVIEW', rule: 'loan-reports', scope: 'global' } },
  { name: 'agent glob leaves others out', global: guardrails, call: { agent: support, action: 'generate_report' }, expect: { verdict: 'REVIEW', rule: 'default' } },
  {
    name: 'agent rule over a global REVIEW with priority',
    global: guardrails,
    agent: { kind: 'AgentPolicy', agent: 'loan_processor', rules: [{ id: 'reports-ok', actions: ['generate_report'], effect: 'ALLOW', priority: 10 }] },
    call: { agent: loans, action: 'generate_report' },
    expect: { verdict: 'ALLOWED', rule: 'reports-ok', scope: 'agent' },
  },
  {
    name: 'without priority REVIEW beats ALLOW across policies',
    global: guardrails,
    agent: { kind: 'AgentPolicy', agent: 'loan_processor', rules: [{ id: 'reports-ok', actions: ['generate_report'], effect: 'ALLOW' }] },
    call: { agent: loans, action: 'generate_report' },
    expect: { verdict: 'REVIEW', rule: 'loan-reports' },
  },
  {
    name: 'priority lets an ALLOW win inside one policy',
    agent: {
      kind: 'AgentPolicy',
      agent: 'customer_support',
      rules: [
        { id: 'no-email', actions: ['send_*'], effect: 'BLOCK' },
        { id: 'internal-mail', actions: ['send_email'], when: "args.to.endsWith('@bank.example')", effect: 'ALLOW', priority: 5 },
      ],
    },
    call: { agent: support, action: 'send_email', args: { to: 'ops@bank.example' } },
    expect: { verdict: 'ALLOWED', rule: 'internal-mail' },
  },
  {
    name: 'same priority: the earlier of two equal rules decides',
    agent: {
      kind: 'AgentPolicy',
      agent: 'customer_support',
      rules: [
        { id: 'first', actions: ['ping'], effect: 'REVIEW' },
        { id: 'second', actions: ['ping'], effect: 'REVIEW' },
      ],
    },
    call: { agent: support, action: 'ping' },
    expect: { verdict: 'REVIEW', rule: 'first' },
  },
  { name: 'history under the limit', global: guardrails, agent: { kind: 'AgentPolicy', agent: 'customer_support', rules: [{ id: 'ssn', actions: ['access_ssn'], effect: 'ALLOW' }] }, call: { agent: support, action: 'access_ssn' }, context: { facts: ssnCount(4) }, expect: { verdict: 'ALLOWED', rule: 'ssn' } },
  { name: 'history at the limit blocks', global: guardrails, call: { agent: support, action: 'access_ssn' }, context: { facts: ssnCount(5) }, expect: { verdict: 'BLOCKED', rule: 'ssn-rate', reason: 'customer_support read 5 SSNs' } },
  { name: 'history not prefetched fails closed (BLOCK rule)', global: guardrails, call: { agent: support, action: 'access_ssn' }, expect: { verdict: 'BLOCKED', rule: 'ssn-rate', errors: true } },
  {
    name: 'session: PII then outside is held',
    global: guardrails,
    agent: { kind: 'AgentPolicy', agent: 'customer_support', rules: [{ id: 'mail', actions: ['send_email'], effect: 'ALLOW' }] },
    call: { agent: support, action: 'send_email', tool: { tags: ['external'] } },
    context: { facts: { sessionTags: ['pii'] } },
    expect: { verdict: 'REVIEW', rule: 'pii-then-outside' },
  },
  {
    name: 'session: outside without PII runs',
    global: guardrails,
    agent: { kind: 'AgentPolicy', agent: 'customer_support', rules: [{ id: 'mail', actions: ['send_email'], effect: 'ALLOW' }] },
    call: { agent: support, action: 'send_email', tool: { tags: ['external'] } },
    context: { facts: { sessionTags: [] } },
    expect: { verdict: 'ALLOWED', rule: 'mail' },
  },
  {
    name: 'dlp finding blocks',
    global: guardrails,
    call: { agent: support, action: 'send_notification', args: { message: 'card 4111 1111 1111 1111' } },
    context: { facts: { sessionTags: [], dlp: [{ detector: 'card', where: 'args', path: '/message', count: 1 }] } },
    expect: { verdict: 'BLOCKED', rule: 'card-out' },
  },
  {
    name: 'business hours in a time zone',
    agent: {
      kind: 'AgentPolicy',
      agent: 'customer_support',
      rules: [{ id: 'after-hours', actions: ['*'], when: 'now.hour("America/New_York") < 9 || now.hour("America/New_York") >= 17', effect: 'REVIEW' }],
      default: 'ALLOW',
    },
    call: { agent: support, action: 'lookup_balance' },
    context: { now: NOON_UTC }, // 07:00 in New York
    expect: { verdict: 'REVIEW', rule: 'after-hours' },
  },
  {
    name: 'weekday helper',
    agent: { kind: 'AgentPolicy', agent: 'customer_support', rules: [{ id: 'weekend', actions: ['*'], when: 'now.weekday("Asia/Tokyo") in [0, 6]', effect: 'BLOCK' }], default: 'ALLOW' },
    call: { agent: support, action: 'lookup_balance' },
    context: { now: NOON_UTC },
    expect: { verdict: 'ALLOWED', rule: 'default' },
  },
  {
    name: 'agent and tool variables',
    agent: {
      kind: 'AgentPolicy',
      agent: 'customer_support',
      rules: [{ id: 'pii-prod', actions: ['*'], when: "'pii' in tool.tags && agent.labels['tier'] == 'prod' && agent.owner.endsWith('@bank.example')", effect: 'REVIEW' }],
      default: 'ALLOW',
    },
    call: { agent: support, action: 'access_phone', tool: { tags: ['pii'] } },
    expect: { verdict: 'REVIEW', rule: 'pii-prod' },
  },
];
