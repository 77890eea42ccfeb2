import { describe, expect, it } from 'vitest';
import {
  compileEffective,
  compilePolicyYaml,
  evaluatePolicy,
  factNeedsFor,
  historyKey,
  type AgentPolicyDocument,
} from '@aegis/shared';
import { DEMO_AGENTS, findAgent, type DemoAgent, type ScriptedStep } from '../src/agents/index.js';
import { TOOL_NAMES } from '../src/tools/index.js';

/** The agent's policy as the server builds it: its conditional rules (if any) on top of its lists. */
function policyOf(agent: DemoAgent) {
  let document: AgentPolicyDocument | null = null;
  if (agent.rules) {
    const compiled = compilePolicyYaml(agent.rules);
    if (!compiled.ok) throw new Error(compiled.problems.map((p) => p.text).join('\n'));
    document = compiled.policies[0]!.document as AgentPolicyDocument;
  }
  const lists = { allowed: agent.policy.allows, blocked: agent.policy.blocks, review: [] };
  return compileEffective({ agent: agent.name, agentVersion: 1, document, lists, global: null });
}

/**
 * What Aegis will answer for an ACTIVE agent's call, with the history its earlier ALLOWED calls
 * make (every REVIEW denied, as with `--approve none`): the shared engine the server runs.
 */
function verdictFor(
  agentName: string,
  action: string,
  args: Record<string, unknown> = {},
  earlier: ScriptedStep[] = [],
): string {
  const agent = findAgent(agentName);
  if (!agent) throw new Error(`no agent ${agentName}`);
  const set = policyOf(agent);
  const self = { name: agent.name, owner: agent.owner };
  const ran = earlier.filter((s) => s.expect === 'ALLOWED');
  const history: Record<string, number> = {};
  for (const q of factNeedsFor(set, self, action).history) {
    const calls = ran.filter((s) => s.tool === q.action);
    history[historyKey(q)] =
      q.kind === 'count' ? calls.length : calls.reduce((n, s) => n + Number(s.args[q.field]), 0);
  }
  return evaluatePolicy(
    set,
    { agent: self, action, args },
    { status: 'ACTIVE', facts: { history } },
  ).verdict;
}

describe('demo agents', () => {
  it('are the four from the seed, with snake_case names', () => {
    expect(DEMO_AGENTS.map((a) => a.name)).toEqual([
      'customer_support',
      'fraud_detection',
      'loan_processor',
      'marketing_outreach',
    ]);
  });

  it('have policies over real tool names, never allowing and blocking the same tool', () => {
    for (const agent of DEMO_AGENTS) {
      for (const name of [...agent.policy.allows, ...agent.policy.blocks])
        expect(TOOL_NAMES).toContain(name);
      expect(agent.policy.allows.filter((t) => agent.policy.blocks.includes(t))).toEqual([]);
      // Every agent leaves some tools to human review: that tier is the point of the demo.
      expect(agent.policy.allows.length + agent.policy.blocks.length).toBeLessThan(
        TOOL_NAMES.length,
      );
    }
  });

  it('decide the same tool differently per agent, as the issue requires', () => {
    expect(verdictFor('customer_support', 'access_ssn')).toBe('REVIEW');
    expect(verdictFor('fraud_detection', 'access_ssn')).toBe('ALLOWED');
    expect(verdictFor('loan_processor', 'delete_records')).toBe('BLOCKED');
    expect(verdictFor('loan_processor', 'connect_external')).toBe('BLOCKED');
    expect(verdictFor('marketing_outreach', 'export_customer_list')).toBe('REVIEW');
  });

  it('script scenarios whose expected verdicts match their policies', () => {
    for (const agent of DEMO_AGENTS) {
      agent.scenario.forEach((step, i) => {
        expect({
          agent: agent.name,
          tool: step.tool,
          verdict: verdictFor(agent.name, step.tool, step.args, agent.scenario.slice(0, i)),
        }).toEqual({
          agent: agent.name,
          tool: step.tool,
          verdict: step.expect,
        });
      });
    }
  });

  it("the Loan Processor's conditional rules: a small loan runs, a large one waits, a split one is caught", () => {
    const small = { customer_id: 5, amount: 900, purpose: 'car' };
    expect(verdictFor('loan_processor', 'process_application', small)).toBe('ALLOWED');
    expect(verdictFor('loan_processor', 'process_application', { ...small, amount: 15000 })).toBe(
      'REVIEW',
    );
    const first: ScriptedStep = {
      tool: 'process_application',
      args: small,
      thought: '',
      expect: 'ALLOWED',
    };
    expect(verdictFor('loan_processor', 'process_application', small, [first])).toBe('REVIEW');
    expect(
      verdictFor('loan_processor', 'process_application', { ...small, amount: 50 }, [first]),
    ).toBe('ALLOWED');
  });

  it('make the over-reaching attempts the seed describes', () => {
    const tools = (name: string) => findAgent(name)?.scenario.map((s) => s.tool) ?? [];
    expect(tools('customer_support')).toContain('access_ssn');
    expect(tools('fraud_detection')).toContain('access_ssn');
    expect(tools('loan_processor')).toEqual(
      expect.arrayContaining(['delete_records', 'connect_external']),
    );
    expect(tools('marketing_outreach')).toContain('export_customer_list');
  });
});
