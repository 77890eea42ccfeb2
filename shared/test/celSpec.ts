/**
 * The CEL conformance data (`@bufbuild/cel-spec`, cel-spec v0.25) turned into something any CEL
 * library can be run against: flat cases with neutral expected values. Used by the conformance
 * test (the chosen library) and by `scripts/celCompare.ts` (both candidates).
 */
import { fromBinary } from '@bufbuild/protobuf';
import { DurationSchema, TimestampSchema } from '@bufbuild/protobuf/wkt';
import { getConformanceSuite, type IncrementalTestSuite } from '@bufbuild/cel-spec/testdata/tests.js';
import type { Value } from '@bufbuild/cel-spec/cel/expr/value_pb.js';

/** The sections covering what policies use: literals, operators, strings, lists/maps, macros, time. */
export const EXPOSED_SECTIONS = [
  'basic',
  'bindings_ext',
  'comparisons',
  'conversions',
  'fields',
  'fp_math',
  'integer_math',
  'lists',
  'logic',
  'macros',
  'parse',
  'plumbing',
  'string',
  'string_ext',
  'timestamps',
] as const;

/** Sub-sections of exposed sections that are about protobuf messages, which policies never see. */
const PROTO_ONLY = new Set(['comparisons/eq_wrapper', 'fields/qualified_identifier_resolution']);

/** A CEL value in a form both libraries' results can be converted to and compared. */
export type Neutral =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | { t: 'int' | 'uint'; v: bigint }
  | { t: 'ts' | 'dur'; seconds: bigint; nanos: number }
  | { t: 'type'; name: string }
  | { t: 'map'; entries: [Neutral, Neutral][] }
  | Neutral[];

export type Expected = { kind: 'value'; value: Neutral } | { kind: 'error' };

export interface SpecCase {
  /** section/subsection/name */
  path: string;
  section: string;
  expr: string;
  disableCheck: boolean;
  /** Names of declared variables. */
  variables: string[];
  bindings: Record<string, Neutral>;
  expected: Expected;
}

/** Thrown when a case needs protobuf messages or enums: those cases are out of scope. */
export class NotApplicable extends Error {}

export function toNeutral(v: Value): Neutral {
  const k = v.kind;
  switch (k.case) {
    case 'nullValue':
      return null;
    case 'boolValue':
    case 'doubleValue':
    case 'stringValue':
    case 'bytesValue':
      return k.value;
    case 'int64Value':
      return { t: 'int', v: k.value };
    case 'uint64Value':
      return { t: 'uint', v: k.value };
    case 'listValue':
      return k.value.values.map(toNeutral);
    case 'mapValue':
      return {
        t: 'map',
        entries: k.value.entries.map((e) => {
          if (!e.key || !e.value) throw new NotApplicable('map entry without key or value');
          return [toNeutral(e.key), toNeutral(e.value)];
        }),
      };
    case 'typeValue':
      return { t: 'type', name: k.value };
    case 'objectValue': {
      const url = k.value.typeUrl;
      if (url.endsWith('/google.protobuf.Timestamp')) {
        const ts = fromBinary(TimestampSchema, k.value.value);
        return { t: 'ts', seconds: ts.seconds, nanos: ts.nanos };
      }
      if (url.endsWith('/google.protobuf.Duration')) {
        const d = fromBinary(DurationSchema, k.value.value);
        return { t: 'dur', seconds: d.seconds, nanos: d.nanos };
      }
      throw new NotApplicable(`protobuf message ${url}`);
    }
    case 'enumValue':
      throw new NotApplicable('protobuf enum');
    case undefined:
      throw new NotApplicable('empty value');
  }
}

/** Every case of the exposed sections, or a reason it is out of scope. */
export function specCases(): { cases: SpecCase[]; notApplicable: { path: string; why: string }[] } {
  const cases: SpecCase[] = [];
  const notApplicable: { path: string; why: string }[] = [];
  const root = getConformanceSuite();
  const walk = (suite: IncrementalTestSuite, prefix: string, section: string) => {
    for (const sub of suite.suites) walk(sub, `${prefix}/${sub.name}`, section);
    for (const test of suite.tests) {
      const path = `${prefix}/${test.name}`;
      try {
        if (PROTO_ONLY.has(prefix)) throw new NotApplicable('protobuf wrappers or containers');
        cases.push(toCase(test.original, path, section));
      } catch (e) {
        if (!(e instanceof NotApplicable)) throw e;
        notApplicable.push({ path, why: e.message });
      }
    }
  };
  for (const section of root.suites) {
    if ((EXPOSED_SECTIONS as readonly string[]).includes(section.name)) walk(section, section.name, section.name);
  }
  return { cases, notApplicable };
}

function toCase(
  t: IncrementalTestSuite['tests'][number]['original'],
  path: string,
  section: string,
): SpecCase {
  if (t.container) throw new NotApplicable('protobuf container');
  if (t.checkOnly) throw new NotApplicable('type-check only');
  for (const d of t.typeEnv) {
    if (d.declKind.case === 'ident' && d.declKind.value.type?.typeKind.case === 'messageType') {
      throw new NotApplicable('protobuf message variable');
    }
  }
  const bindings: Record<string, Neutral> = {};
  for (const [name, ev] of Object.entries(t.bindings)) {
    if (ev.kind.case !== 'value') throw new NotApplicable('error or unknown binding');
    bindings[name] = toNeutral(ev.kind.value);
  }
  const m = t.resultMatcher;
  let expected: Expected;
  if (m.case === 'value') expected = { kind: 'value', value: toNeutral(m.value) };
  else if (m.case === 'typedResult') {
    if (!m.value.result) throw new NotApplicable('type-only result');
    expected = { kind: 'value', value: toNeutral(m.value.result) };
  } else if (m.case === 'evalError' || m.case === 'anyEvalErrors') expected = { kind: 'error' };
  else if (m.case === undefined) expected = { kind: 'value', value: true };
  else throw new NotApplicable('unknowns');
  const variables = t.typeEnv.filter((d) => d.declKind.case === 'ident').map((d) => d.name);
  for (const name of Object.keys(bindings)) if (!variables.includes(name)) variables.push(name);
  return { path, section, expr: t.expr, disableCheck: t.disableCheck, variables, bindings, expected };
}

/** CEL value equality for results: maps ignore order, NaN equals NaN. */
export function neutralEqual(a: Neutral, b: Neutral): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) ? Number.isNaN(b) : a === b;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => neutralEqual(x, b[i]!));
  }
  if (a.t !== b.t) return false;
  switch (a.t) {
    case 'int':
    case 'uint':
      return 'v' in b && a.v === b.v;
    case 'ts':
    case 'dur':
      return 'seconds' in b && a.seconds === b.seconds && a.nanos === b.nanos;
    case 'type':
      return 'name' in b && a.name === b.name;
    case 'map': {
      if (!('entries' in b) || a.entries.length !== b.entries.length) return false;
      return a.entries.every(([k, v]) => b.entries.some(([k2, v2]) => neutralEqual(k, k2) && neutralEqual(v, v2)));
    }
  }
}

export interface CaseOutcome {
  path: string;
  section: string;
  pass: boolean;
  detail?: string;
}

/** What an adapter gives back: a value (converted to Neutral) or an error (parse, check or eval). */
export type RunResult = { ok: true; value: Neutral } | { ok: false; error: string };

export function judge(c: SpecCase, r: RunResult): CaseOutcome {
  const base = { path: c.path, section: c.section };
  if (c.expected.kind === 'error') return { ...base, pass: !r.ok, detail: r.ok ? 'expected an error' : undefined };
  if (!r.ok) return { ...base, pass: false, detail: r.error };
  const pass = neutralEqual(r.value, c.expected.value);
  return { ...base, pass, detail: pass ? undefined : 'wrong value' };
}

/** Pass counts per section, and the total. */
export function tally(outcomes: CaseOutcome[]): { bySection: Map<string, [number, number]>; passed: number; total: number } {
  const bySection = new Map<string, [number, number]>();
  for (const o of outcomes) {
    const s = bySection.get(o.section) ?? [0, 0];
    if (o.pass) s[0] += 1;
    s[1] += 1;
    bySection.set(o.section, s);
  }
  const passed = outcomes.filter((o) => o.pass).length;
  return { bySection, passed, total: outcomes.length };
}
