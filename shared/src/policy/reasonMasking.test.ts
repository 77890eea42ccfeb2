import { describe, expect, it } from 'vitest';
import { compilePolicyOrThrow } from './compile';
import { evaluatePolicy } from './evaluate';
import { evaluateResult } from './evaluateResult';

// A reason is stored in the hash-chained log (it can't be scrubbed later), shown to viewers and
// answered to the agent: the arguments it quotes are masked as every preview masks them.
const CARD = '4111111111111111';
const SSN = '536-22-8154';

describe('reason templates quote arguments masked', () => {
  it('a call rule: cards, SSNs and a custom detector masked; plain values as they are', () => {
    const policy = compilePolicyOrThrow({
      kind: 'AgentPolicy',
      agent: 'a1',
      detectors: [{ name: 'employee_id', pattern: 'EMP-\\d{6}' }],
      rules: [
        {
          id: 'refund',
          actions: ['refund'],
          effect: 'REVIEW',
          reason:
            'Refund of {{ args.amount }} to card {{ args.card }} for {{ args.ssn }} by {{ args.emp }} ({{ agent.name }})',
        },
      ],
    });
    const { reason } = evaluatePolicy(policy, {
      agent: { name: 'a1' },
      action: 'refund',
      args: { amount: 120, card: CARD, ssn: SSN, emp: 'EMP-123456' },
    });
    expect(reason).not.toContain(CARD);
    expect(reason).not.toContain(SSN);
    expect(reason).not.toContain('EMP-123456');
    expect(reason).toMatch(/^Refund of 120 to card \*+1111 for \*\*\*-\*\*-8154 by \S+ \(a1\)$/);
  });

  it('a value DLP recognises only by its key (a date of birth) is masked too', () => {
    const policy = compilePolicyOrThrow({
      kind: 'AgentPolicy',
      agent: 'a1',
      rules: [
        { id: 'r', actions: ['x'], effect: 'BLOCK', reason: 'born {{ args.date_of_birth }}' },
      ],
    });
    const { reason } = evaluatePolicy(policy, {
      agent: { name: 'a1' },
      action: 'x',
      args: { date_of_birth: '1985-04-12' },
    });
    expect(reason).not.toContain('1985-04-12');
  });

  it('a result rule quoting the arguments masks them the same way', () => {
    const policy = compilePolicyOrThrow({
      kind: 'AgentPolicy',
      agent: 'a1',
      rules: [
        {
          id: 'held',
          on: 'result',
          actions: ['lookup'],
          effect: 'REVIEW',
          reason: 'lookup for {{ args.ssn }}',
        },
      ],
    });
    const decided = evaluateResult(
      policy,
      { agent: { name: 'a1' }, action: 'lookup', args: { ssn: SSN } },
      { facts: { dlp: [] } },
    );
    expect(decided.reason).toBe('lookup for ***-**-8154');
  });

  it("the tool's description and the agent's owner and labels are masked too (the caller sets them)", () => {
    const policy = compilePolicyOrThrow({
      kind: 'AgentPolicy',
      agent: 'a1',
      rules: [
        {
          id: 'r',
          actions: ['x'],
          effect: 'BLOCK',
          reason:
            'tool {{ tool.description }} / owner {{ agent.owner }} / label {{ agent.labels.note }}',
        },
      ],
    });
    const { reason } = evaluatePolicy(policy, {
      agent: { name: 'a1', owner: `ops ${SSN}`, labels: { note: `card ${CARD}` } },
      action: 'x',
      args: {},
      tool: { tags: [], description: `card ${CARD} ssn ${SSN}` },
    });
    expect(reason).not.toContain(CARD);
    expect(reason).not.toContain(SSN);
    expect(reason).toContain('***-**-8154');
  });
});
