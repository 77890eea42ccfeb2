/**
 * Runs cel-spec cases through `@marcbachmann/cel-js`, configured the way policies use it
 * (`celEnvironmentOptions`), with the case's variables declared as `dyn`.
 */
import { Environment, evaluate } from '@marcbachmann/cel-js';
import { celEnvironmentOptions } from '../src/policy/celEnvironment';
import { NotApplicable, type Neutral, type RunResult, type SpecCase } from './celSpec';

// The library keeps its uint and duration classes private; its own values lead to them.
type Ctor = new (...args: never[]) => object;
const UnsignedInt = (evaluate('0u') as object).constructor as new (v: bigint) => object;
const Duration = (evaluate('duration("0s")') as object).constructor as new (s: bigint, n: number) => object;
const TypeClass = (evaluate('int') as object).constructor as Ctor;

export function toCelJs(v: Neutral): unknown {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(toCelJs);
  switch (v.t) {
    case 'int':
      return v.v;
    case 'uint':
      return new UnsignedInt(v.v);
    case 'ts':
      return new Date(Number(v.seconds) * 1000 + Math.trunc(v.nanos / 1e6));
    case 'dur':
      return new Duration(v.seconds, v.nanos);
    case 'map':
      return new Map(v.entries.map(([k, x]) => [toCelJs(k), toCelJs(x)]));
    case 'type':
      throw new NotApplicable('type value binding');
  }
}

export function fromCelJs(x: unknown): Neutral {
  if (x === null || typeof x === 'boolean' || typeof x === 'number' || typeof x === 'string') return x;
  if (typeof x === 'bigint') return { t: 'int', v: x };
  if (x instanceof Uint8Array) return x;
  if (Array.isArray(x)) return x.map(fromCelJs);
  if (x instanceof Date) {
    const ms = x.getTime();
    return { t: 'ts', seconds: BigInt(Math.floor(ms / 1000)), nanos: (((ms % 1000) + 1000) % 1000) * 1e6 };
  }
  if (x instanceof UnsignedInt) return { t: 'uint', v: (x as unknown as { value: bigint }).value };
  if (x instanceof Duration) {
    const d = x as unknown as { seconds: bigint; nanos: number };
    return { t: 'dur', seconds: d.seconds, nanos: d.nanos };
  }
  if (x instanceof TypeClass) return { t: 'type', name: (x as unknown as { name: string }).name };
  if (x instanceof Map) return { t: 'map', entries: [...x.entries()].map(([k, v]) => [fromCelJs(k), fromCelJs(v)]) };
  if (typeof x === 'object') return { t: 'map', entries: Object.entries(x).map(([k, v]) => [k, fromCelJs(v)]) };
  throw new Error(`unexpected cel-js value of type ${typeof x}`);
}

export function runCelJs(c: SpecCase): RunResult {
  try {
    const env = new Environment({
      ...celEnvironmentOptions,
      unlistedVariablesAreDyn: true,
      homogeneousAggregateLiterals: false,
    });
    for (const name of c.variables) env.registerVariable(name, 'dyn');
    const context: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c.bindings)) context[k] = toCelJs(v);
    return { ok: true, value: fromCelJs(env.evaluate(c.expr, context)) };
  } catch (e) {
    if (e instanceof NotApplicable) throw e;
    return { ok: false, error: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
  }
}
