import { describe, expect, it } from 'vitest';
import {
  AegisBlockedError,
  AegisError,
  agentContext,
  monitor,
  type DecisionEvent,
} from '../src/index';
import { sdkFor, uniqueAgent, useSdkServer } from './helpers/server';

const t = useSdkServer();

describe('one shared tool, many agents', () => {
  it('gives each concurrently running agent its own outcome', async () => {
    const fraud = t.aegis.agent(uniqueAgent('fraud'), { allows: ['access_ssn'] });
    const support = t.aegis.agent(uniqueAgent('support'), { blocks: ['access_ssn'] });
    let bodyRuns = 0;
    const accessSsn = t.aegis.monitor(
      async (q: { customerId: number }) => {
        // Yield so both agents' calls are really in flight at the same time.
        await new Promise((r) => setTimeout(r, 10));
        bodyRuns++;
        return `ssn-${q.customerId}`;
      },
      { action: 'access_ssn' },
    );
    const results = await Promise.allSettled([
      ...Array.from({ length: 5 }, () => fraud.run(() => accessSsn({ customerId: 3 }))),
      ...Array.from({ length: 5 }, () => support.run(() => accessSsn({ customerId: 3 }))),
    ]);
    expect(results.slice(0, 5).every((r) => r.status === 'fulfilled' && r.value === 'ssn-3')).toBe(
      true,
    );
    expect(
      results
        .slice(5)
        .every((r) => r.status === 'rejected' && r.reason instanceof AegisBlockedError),
    ).toBe(true);
    expect(bodyRuns).toBe(5);
  });

  it('agentContext works with the top-level monitor when the client comes from handle.run', async () => {
    const name = uniqueAgent('ctx');
    const handle = t.aegis.agent(name, { allows: ['lookup_balance'] });
    const lookup = monitor((id: number) => id * 2, { action: 'lookup_balance' });
    await expect(handle.run(() => lookup(21))).resolves.toBe(42);
    // Outside any scope there is no agent and no client: a clear error, not a guess.
    const error = await lookup(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AegisError);
    expect((error as AegisError).code).toBe('NO_AGENT');
    const noAgent = t.aegis.monitor((id: number) => id, { action: 'lookup_balance' });
    await expect(noAgent(1)).rejects.toThrow(/agentContext/);
    await expect(agentContext(name, () => noAgent(7))).resolves.toBe(7);
  });

  it('onDecision sees every decision and may substitute the refusal', async () => {
    const events: DecisionEvent[] = [];
    class PolicyViolation extends Error {}
    const hooked = sdkFor(t.server, {
      onDecision: (e) => {
        events.push(e);
        return e.verdict === 'BLOCKED' ? new PolicyViolation(`custom: ${e.action}`) : undefined;
      },
    });
    try {
      const name = uniqueAgent('hook');
      const handle = hooked.agent(name, { allows: ['ok_tool'], blocks: ['bad_tool'] });
      await handle.call('ok_tool', { x: 1 }, () => 'fine');
      const error = await handle.call('bad_tool', {}, () => 'never').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PolicyViolation);
      expect(events.map((e) => [e.action, e.verdict, e.source])).toEqual([
        ['ok_tool', 'ALLOWED', 'server'],
        ['bad_tool', 'BLOCKED', 'server'],
      ]);
      expect(events[0]!.auditId).toBeGreaterThan(0);
      const { entries } = await t.reviewer.audit.list.query({ agent: name });
      expect(entries).toHaveLength(2);
    } finally {
      await hooked.close();
    }
  });
});
