import { describe, expectTypeOf, it } from 'vitest';
import type { RouterInputs, RouterOutputs } from '@aegis/server';
import type {
  AegisDecision,
  AgentOptions,
  DecisionEvent,
  DecisionHook,
  Guarded,
  Verdict,
} from '../src/index';
import type { AegisApi } from '../src/transport';

// These assertions are checked by `tsc -p tsconfig.json` (sdk/test is in the root project): a
// contract change that breaks the SDK's public types fails the type check, not a user at run time.
describe('the public API is derived from the contract', () => {
  it('decisions are exactly what sdk.decide returns', () => {
    expectTypeOf<AegisDecision>().toEqualTypeOf<RouterOutputs['sdk']['decide']>();
    expectTypeOf<Verdict>().toEqualTypeOf<'ALLOWED' | 'BLOCKED' | 'REVIEW' | 'KILLED'>();
    expectTypeOf<DecisionEvent['verdict']>().toEqualTypeOf<
      Verdict | 'DENIED' | 'TIMEOUT' | 'UNAVAILABLE'
    >();
    expectTypeOf<DecisionEvent['approvalId']>().toEqualTypeOf<AegisDecision['approvalId']>();
  });

  it('rejects a wrong field in a decision', () => {
    const ok: AegisDecision = {
      verdict: 'ALLOWED',
      reason: 'r',
      callId: 'abcdefgh',
      auditId: 1,
      approvalId: null,
      policyVersion: 1,
    };
    // @ts-expect-error 'MAYBE' is not a verdict
    const badVerdict: AegisDecision = { ...ok, verdict: 'MAYBE' };
    // @ts-expect-error approvalId is a number or null, never a string
    const badApproval: AegisDecision = { ...ok, approvalId: '7' };
    const extra: AegisDecision = {
      verdict: 'ALLOWED',
      reason: 'r',
      callId: 'abcdefgh',
      auditId: 1,
      approvalId: null,
      policyVersion: 1,
      // @ts-expect-error unknown fields are rejected
      score: 3,
    };
    const hook: DecisionHook = (event) => {
      // @ts-expect-error there is no such field on a decision event
      void event.verdicts;
      // @ts-expect-error comparing against a verdict that does not exist
      if (event.verdict === 'PERMITTED') return new Error('x');
      return undefined;
    };
    void [ok, badVerdict, badApproval, extra, hook];
  });

  it('agent options are the registration input of the contract', () => {
    expectTypeOf<AgentOptions['allows']>().toEqualTypeOf<
      RouterInputs['sdk']['registerAgent']['allows']
    >();
    // @ts-expect-error `allow` is not a registration field (it is `allows`)
    const wrong: AgentOptions = { allow: ['x'] };
    // @ts-expect-error actions are strings
    const wrongType: AgentOptions = { blocks: [1] };
    void [wrong, wrongType];
  });

  it('guarded functions keep their parameters and become async', () => {
    expectTypeOf<Guarded<[{ customerId: number }], string>>().toEqualTypeOf<
      (args_0: { customerId: number }) => Promise<string>
    >();
    expectTypeOf<Guarded<[], Promise<number>>>().returns.toEqualTypeOf<Promise<number>>();
  });

  it('the transport is the typed tRPC client of AppRouter', () => {
    expectTypeOf<
      Awaited<ReturnType<AegisApi['sdk']['decide']['mutate']>>
    >().toEqualTypeOf<AegisDecision>();
    expectTypeOf<Parameters<AegisApi['sdk']['decide']['mutate']>[0]>().toEqualTypeOf<
      RouterInputs['sdk']['decide']
    >();
  });
});
