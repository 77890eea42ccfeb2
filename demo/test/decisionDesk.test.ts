import { describe, expect, it } from 'vitest';
import type { Aegis, DecisionEvent } from '@aegis/sdk';
import { DecisionDesk } from '../src/runner/decisions.js';
import { palette } from '../src/runner/format.js';
import { Progress } from '../src/runner/progress.js';
import { Tally } from '../src/runner/tally.js';

function event(partial: Partial<DecisionEvent> & Pick<DecisionEvent, 'verdict'>): DecisionEvent {
  return {
    agent: 'support',
    action: 'access_ssn',
    args: {},
    callId: 'call_0001',
    reason: 'r',
    approvalId: null,
    auditId: 1,
    source: 'server',
    ...partial,
  };
}

function desk(approve: 'human' | 'all' | 'none') {
  const lines: string[] = [];
  const tally = new Tally();
  const decisions: unknown[] = [];
  const d = new DecisionDesk(
    tally,
    new Progress((l) => lines.push(l), palette(false), 'http://x/approvals', ['support']),
    approve,
  );
  // Only the one call the desk makes; the rest of the client is not needed here.
  const fake = {
    api: {
      approvals: { decide: { mutate: (input: unknown) => Promise.resolve(decisions.push(input)) } },
    },
  };
  d.attach(fake as unknown as Aegis);
  return { d, tally, lines, decisions };
}

describe('DecisionDesk', () => {
  it('counts an approved review once, as a review that was approved', async () => {
    const { d, tally, lines } = desk('human');
    await d.hook(event({ verdict: 'REVIEW', approvalId: 4 }));
    await d.hook(event({ verdict: 'ALLOWED', approvalId: 4, callId: 'call_0002' }));
    expect(tally.calls).toEqual([
      {
        agent: 'support',
        action: 'access_ssn',
        verdict: 'REVIEW',
        approvalId: 4,
        review: 'APPROVED',
      },
    ]);
    expect(lines.join('\n')).toContain('approval #4 waiting: http://x/approvals');
  });

  it('plays the reviewer with --approve none and records the denial', async () => {
    const { d, tally, decisions } = desk('none');
    await d.hook(event({ verdict: 'REVIEW', approvalId: 9 }));
    expect(decisions).toEqual([{ id: 9, decision: 'DENIED' }]);
    await d.hook(event({ verdict: 'DENIED', approvalId: 9 }));
    expect(tally.countsFor('support')).toMatchObject({ review: 1, denied: 1, total: 1 });
  });

  it('leaves reviews to a human by default', async () => {
    const { d, decisions } = desk('human');
    await d.hook(event({ verdict: 'REVIEW', approvalId: 2 }));
    expect(decisions).toEqual([]);
  });

  it('lets listeners act before the call goes on', async () => {
    const { d } = desk('human');
    const seen: string[] = [];
    const stop = d.listen((e) => {
      seen.push(e.verdict);
    });
    await d.hook(event({ verdict: 'KILLED' }));
    stop();
    await d.hook(event({ verdict: 'BLOCKED' }));
    expect(seen).toEqual(['KILLED']);
  });
});
