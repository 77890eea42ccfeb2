import { describe, expect, it } from 'vitest';
import { agentContext, currentAgent, resolveAgent } from './context';
import { AegisError } from './errors';
import { actionNameOf, argsObject } from './args';

describe('agentContext', () => {
  it('is visible across awaits and timers, and scopes nest', async () => {
    await agentContext('outer', async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(currentAgent()).toBe('outer');
      agentContext('inner', () => expect(currentAgent()).toBe('inner'));
      expect(currentAgent()).toBe('outer');
    });
    expect(currentAgent()).toBeUndefined();
  });

  it('keeps concurrent runs apart', async () => {
    const seen = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        agentContext(name, async () => {
          await new Promise((r) => setTimeout(r, 3));
          return currentAgent();
        }),
      ),
    );
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('resolves an explicit agent first, then the context, else a NO_AGENT error', () => {
    expect(resolveAgent('x', 'act')).toBe('x');
    expect(agentContext('ctx', () => resolveAgent(undefined, 'act'))).toBe('ctx');
    expect(() => resolveAgent(undefined, 'act')).toThrow(AegisError);
    try {
      resolveAgent(undefined, 'act');
    } catch (e) {
      expect((e as AegisError).code).toBe('NO_AGENT');
      expect((e as AegisError).message).toContain('"act"');
    }
  });
});

describe('arguments', () => {
  it('passes one object through, wraps anything else positionally', () => {
    expect(argsObject([])).toEqual({});
    expect(argsObject([{ customerId: 1 }])).toEqual({ customerId: 1 });
    expect(argsObject([1, 'b'])).toEqual({ args: [1, 'b'] });
    expect(argsObject([[1, 2]])).toEqual({ args: [[1, 2]] });
    expect(argsObject([new Date(0)])).toEqual({ args: [new Date(0)] });
  });

  it('names the action after the function unless told otherwise', () => {
    function lookup_balance() {}
    expect(actionNameOf(lookup_balance)).toBe('lookup_balance');
    expect(actionNameOf(lookup_balance, 'other')).toBe('other');
    expect(() => actionNameOf(() => 1)).toThrow(/action name/);
  });
});
