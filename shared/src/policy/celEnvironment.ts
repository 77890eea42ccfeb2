import { Environment, type EnvironmentOptions } from '@marcbachmann/cel-js';
import { categoryOf } from '../dlp/types';
import { historyKey, type DlpFinding, type HistoryQuery } from './facts';
import { zonedHour, zonedWeekday } from './timeZone';
import { registerRe2Matches } from './safeRegex';
import { registerLoopBudget } from './loopBudget';

/**
 * The CEL environment every `when` is parsed, checked and run in: the variables a rule sees and
 * the functions over prefetched facts. Built once per process (building one is the expensive part).
 */

/** Structural bounds (parse time). The conformance test runs with the same ones. */
const limits = { maxAstNodes: 400, maxDepth: 32, maxListElements: 256, maxMapEntries: 128, maxCallArguments: 8 };
export const celEnvironmentOptions: EnvironmentOptions = {
  enableOptionalTypes: false,
  homogeneousAggregateLiterals: false,
  limits,
};

/** Raised by a fact function when the caller did not prefetch what the rule asks. */
export class MissingFactError extends Error {}

export class AgentValue {
  constructor(
    readonly name: string,
    readonly owner: string,
    readonly labels: Readonly<Record<string, string>>,
  ) {}
}

export class ToolValue {
  constructor(
    readonly tags: readonly string[],
    readonly description: string,
  ) {}
}

export class HistoryValue {
  constructor(private readonly answers: Readonly<Record<string, number>> | undefined) {}
  answer(q: HistoryQuery): number {
    const v = this.answers?.[historyKey(q)];
    if (v === undefined) {
      const call = q.kind === 'count' ? `count('${q.action}', …)` : `sum('${q.action}', '${q.field}', …)`;
      throw new MissingFactError(`history.${call} over ${q.windowMs / 1000}s was not provided to the evaluator`);
    }
    return v;
  }
}

export class SessionValue {
  private readonly tags: ReadonlySet<string> | undefined;
  constructor(tags: readonly string[] | undefined) {
    this.tags = tags && new Set(tags);
  }
  touched(tag: string): boolean {
    if (!this.tags) throw new MissingFactError('session facts were not provided to the evaluator');
    return this.tags.has(tag);
  }
}

export class DlpValue {
  readonly count: bigint;
  constructor(private readonly findings: readonly DlpFinding[] | undefined) {
    this.count = BigInt((findings ?? []).reduce((n, f) => n + f.count, 0));
  }
  private list(): readonly DlpFinding[] {
    if (!this.findings) throw new MissingFactError('DLP findings were not provided to the evaluator');
    return this.findings;
  }
  /** A detector's name, or a category's (`pii`, `financial`, `secret`, `custom`). */
  found(detector: string): boolean {
    return this.list().some((f) => f.detector === detector || categoryOf(f.detector) === detector);
  }
  foundIn(where: string, detector: string): boolean {
    return this.list().some((f) => f.where === where && (f.detector === detector || categoryOf(f.detector) === detector));
  }
}

export class AnomalyValue {
  constructor(private readonly scores: Readonly<Record<string, number>> | undefined) {}
  score(action: string): number {
    const v = this.scores?.[action];
    if (v === undefined) throw new MissingFactError(`anomaly.score('${action}') was not provided to the evaluator`);
    return v;
  }
}

/** cel-js durations expose seconds (bigint) and nanos. */
export function durationMs(d: { seconds: bigint; nanos: number }): number {
  return Number(d.seconds) * 1000 + d.nanos / 1e6;
}

type Dur = { seconds: bigint; nanos: number };

function buildEnvironment(): Environment {
  const env = new Environment(celEnvironmentOptions)
    .registerType('aegis.Agent', {
      ctor: AgentValue,
      fields: { name: 'string', owner: 'string', labels: 'map<string, string>' },
    })
    .registerType('aegis.Tool', { ctor: ToolValue, fields: { tags: 'list<string>', description: 'string' } })
    .registerType('aegis.History', HistoryValue)
    .registerType('aegis.Session', SessionValue)
    .registerType('aegis.Dlp', { ctor: DlpValue, fields: { count: 'int' } })
    .registerType('aegis.Anomaly', AnomalyValue)
    .registerVariable('args', 'map<string, dyn>', { description: "The call's arguments (JSON numbers are doubles)" })
    .registerVariable('agent', 'aegis.Agent', { description: 'name, owner, labels' })
    .registerVariable('action', 'string')
    .registerVariable('tool', 'aegis.Tool', { description: 'tags, description (declared with the tool)' })
    .registerVariable('now', 'google.protobuf.Timestamp')
    .registerVariable('history', 'aegis.History')
    .registerVariable('session', 'aegis.Session')
    .registerVariable('dlp', 'aegis.Dlp')
    .registerVariable('anomaly', 'aegis.Anomaly');

  const method = (
    receiverType: string,
    name: string,
    params: [string, string][],
    returnType: string,
    handler: (...args: never[]) => unknown,
    description: string,
  ) =>
    env.registerFunction({
      name,
      receiverType,
      returnType,
      description,
      params: params.map(([n, type]) => ({ name: n, type })),
      handler: handler as (...args: unknown[]) => unknown,
    });

  method('aegis.History', 'count', [['action', 'string'], ['window', 'google.protobuf.Duration']], 'int',
    (h: HistoryValue, action: string, w: Dur) => BigInt(h.answer({ kind: 'count', action, windowMs: durationMs(w) })),
    "This agent's ALLOWED calls of an action in the window before now");
  method('aegis.History', 'sum', [['action', 'string'], ['field', 'string'], ['window', 'google.protobuf.Duration']], 'double',
    (h: HistoryValue, action: string, field: string, w: Dur) => h.answer({ kind: 'sum', action, field, windowMs: durationMs(w) }),
    'Sum of a numeric argument over those calls');
  method('aegis.Session', 'touched', [['tag', 'string']], 'bool', (s: SessionValue, tag: string) => s.touched(tag),
    'Whether a call with this tool tag was ALLOWED earlier in this run');
  method('aegis.Dlp', 'found', [['detector', 'string']], 'bool', (d: DlpValue, det: string) => d.found(det),
    'Whether a DLP detector (or any of a category: pii, financial, secret, custom) matched the arguments or, in result rules, the result');
  method('aegis.Dlp', 'foundIn', [['where', 'string'], ['detector', 'string']], 'bool',
    (d: DlpValue, where: string, det: string) => d.foundIn(where, det), 'Whether a detector matched in "args" (or "result")');
  method('aegis.Anomaly', 'score', [['action', 'string']], 'double', (a: AnomalyValue, action: string) => a.score(action),
    'Anomaly score of this agent calling the action (0 = normal)');
  method('google.protobuf.Timestamp', 'hour', [['timeZone', 'string']], 'int',
    (t: Date, tz: string) => BigInt(zonedHour(t.getTime(), tz)), 'Hour of day 0-23 in an IANA time zone');
  method('google.protobuf.Timestamp', 'weekday', [['timeZone', 'string']], 'int',
    (t: Date, tz: string) => BigInt(zonedWeekday(t.getTime(), tz)), 'Day of week in an IANA time zone, 0 = Sunday');
  registerRe2Matches(env);
  registerLoopBudget(env);
  return env;
}

let shared: Environment | undefined;
let runnable: Environment | undefined;

/** The one policy environment (lazily built, then reused). */
export function policyEnvironment(): Environment {
  shared ??= buildEnvironment();
  return shared;
}

/**
 * Where checked conditions are parsed to run: the same functions, with room for the calls that
 * charge loops and concatenations to the budget (each node of the text as written is wrapped at
 * most once, by a call of two nodes and one level; the bounds were checked on the text as written).
 */
export function runnableEnvironment(): Environment {
  runnable ??= policyEnvironment().clone({
    limits: { ...limits, maxAstNodes: 3 * limits.maxAstNodes, maxDepth: 2 * limits.maxDepth },
  });
  return runnable;
}
