import {
  evaluatePolicy,
  factNeedsFor,
  needsServerState,
  policyDlpFindings,
  scanAndMask,
  scanValue,
  type PolicyDecision,
  type PolicyFacts,
} from '@aegis/shared';
import type { ToolMeta } from '../types';
import type { Entry } from './snapshots';

/** A call as local mode evaluates it. */
export interface LocalCall {
  agent: string;
  action: string;
  args: Readonly<Record<string, unknown>>;
  tool?: ToolMeta;
}

/**
 * What local mode makes of a call: a decision it may act on, or the server's turn — REVIEW (a
 * person has to see it), or a rule that reads state only the database has (`history`, `session`:
 * other processes' calls count too, so this process's memory can't answer them).
 */
export type LocalAnswer =
  | { kind: 'decided'; decision: PolicyDecision; maskedArgs?: Record<string, unknown> }
  | { kind: 'server'; why: 'review' | 'server-state'; decision?: PolicyDecision };

/**
 * The same evaluation as the server's (`evaluatePolicy` over the set `compileEffective` built),
 * from the pushed snapshot: kill-switch, rules, precedence, default, fail-closed conditions. DLP
 * facts come from scanning the arguments here, as the server scans them.
 */
export function decideLocally(entry: Entry, call: LocalCall, now: Date = new Date()): LocalAnswer {
  const agent = { name: call.agent, owner: entry.owner, labels: entry.labels };
  const policyCall = { agent, action: call.action, args: call.args, tool: { tags: call.tool?.tags ?? [], description: call.tool?.description ?? '' } };
  if (entry.status === 'PAUSED') return { kind: 'decided', decision: evaluatePolicy(entry.set, policyCall, { status: 'PAUSED' }) };
  const needs = factNeedsFor(entry.set, agent, call.action);
  if (needsServerState(needs)) return { kind: 'server', why: 'server-state' };
  const facts: PolicyFacts | undefined = needs.dlp ? { dlp: policyDlpFindings({ args: scanValue(call.args, { custom: entry.set.detectors }) }) } : undefined;
  const decision = evaluatePolicy(entry.set, policyCall, { status: entry.status, facts, now });
  if (decision.verdict === 'REVIEW') return { kind: 'server', why: 'review', decision };
  if (!decision.redactArgs) return { kind: 'decided', decision };
  // REDACT: the tool runs with what DLP finds masked — the same scan and masks as the server's.
  const { masked } = scanAndMask(call.args, { custom: entry.set.detectors });
  return { kind: 'decided', decision, maskedArgs: masked as Record<string, unknown> };
}
