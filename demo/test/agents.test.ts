import { describe, expect, it } from 'vitest';
import { decide, rulesFromLists } from '@aegis/shared';
import { DEMO_AGENTS, findAgent } from '../src/agents/index.js';
import { TOOL_NAMES } from '../src/tools/index.js';

/** What Aegis will answer for an ACTIVE agent with this demo policy. */
function verdictFor(agentName: string, action: string): string {
  const agent = findAgent(agentName);
  if (!agent) throw new Error(`no agent ${agentName}`);
  const rules = rulesFromLists({ allowed: agent.policy.allows, blocked: agent.policy.blocks });
  return decide({ status: 'ACTIVE', rules }, action).verdict;
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
      for (const step of agent.scenario) {
        expect({
          agent: agent.name,
          tool: step.tool,
          verdict: verdictFor(agent.name, step.tool),
        }).toEqual({
          agent: agent.name,
          tool: step.tool,
          verdict: step.expect,
        });
      }
    }
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
