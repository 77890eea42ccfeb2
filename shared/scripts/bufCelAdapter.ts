/** Runs cel-spec cases through `@bufbuild/cel` (the candidate we did not choose; see README). */
import {
  celEnv,
  celUint,
  CelScalar,
  isCelList,
  isCelMap,
  isCelType,
  isCelUint,
  isCelError,
  parse,
  plan,
  type CelInput,
} from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { create } from '@bufbuild/protobuf';
import { isReflectMessage } from '@bufbuild/protobuf/reflect';
import { DurationSchema, TimestampSchema, type Duration, type Timestamp } from '@bufbuild/protobuf/wkt';
import { NotApplicable, type Neutral, type RunResult, type SpecCase } from '../test/celSpec';

export function toBuf(v: Neutral): CelInput {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(toBuf);
  switch (v.t) {
    case 'int':
      return v.v;
    case 'uint':
      return celUint(v.v);
    case 'ts':
      return create(TimestampSchema, { seconds: v.seconds, nanos: v.nanos });
    case 'dur':
      return create(DurationSchema, { seconds: v.seconds, nanos: v.nanos });
    case 'map':
      return new Map(v.entries.map(([k, x]) => [toBuf(k) as string, toBuf(x)]));
    case 'type':
      throw new NotApplicable('type value binding');
  }
}

export function fromBuf(x: unknown): Neutral {
  if (x === null || typeof x === 'boolean' || typeof x === 'number' || typeof x === 'string') return x;
  if (typeof x === 'bigint') return { t: 'int', v: x };
  if (x instanceof Uint8Array) return x;
  if (isCelUint(x)) return { t: 'uint', v: x.value };
  if (isCelList(x)) return [...x].map(fromBuf);
  if (isCelMap(x)) return { t: 'map', entries: [...x.entries()].map(([k, v]) => [fromBuf(k), fromBuf(v)]) };
  if (isCelType(x)) return { t: 'type', name: x.name };
  if (isReflectMessage(x)) {
    if (x.desc.typeName === 'google.protobuf.Timestamp' || x.desc.typeName === 'google.protobuf.Duration') {
      const m = x.message as Timestamp | Duration;
      return { t: x.desc.typeName.endsWith('Timestamp') ? 'ts' : 'dur', seconds: m.seconds, nanos: m.nanos };
    }
  }
  throw new Error(`unexpected @bufbuild/cel value of type ${typeof x}`);
}

export function runBuf(c: SpecCase): RunResult {
  try {
    const variables = Object.fromEntries(c.variables.map((n) => [n, CelScalar.DYN]));
    const env = celEnv({ funcs: strings, variables });
    const parsed = parse(c.expr);
    // The package exports no type checker (check.js is not in its exports map): plan the parse.
    const program = plan(env, parsed);
    const bindings: Record<string, CelInput> = {};
    for (const [k, v] of Object.entries(c.bindings)) bindings[k] = toBuf(v);
    const out = program(bindings);
    if (isCelError(out)) return { ok: false, error: out.message };
    return { ok: true, value: fromBuf(out) };
  } catch (e) {
    if (e instanceof NotApplicable) throw e;
    return { ok: false, error: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
  }
}
