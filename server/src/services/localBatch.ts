import {
  DomainError,
  maskedText,
  mayActAs,
  type CallOutcome,
  type CustomDetector,
  type Principal,
  type RecordBatchInput,
} from '@aegis/shared';
import type { KeyedEntry } from '../data/repos/audit.repo';
import type { AuditRecord } from '../data/repos/auditWriter';
import type { ResultReport } from '../data/repos/outcomeWriter';
import { scanArgs, toolFailedDetails } from './args';
import { notYourAgent } from './errors';

/**
 * The stored-only key of the ERROR entry that goes with a local call's error outcome. `:` is
 * outside what a client may send as an entryKey, so no client can claim or pre-empt it; its
 * presence is what makes the ERROR entry exactly-once across replays and partial failures.
 */
export const errorKeyOf = (entryKey: string) => `${entryKey}:error`;

/** The keys a batch must look up before it is planned. */
export function keysToRead({ entries, outcomes }: RecordBatchInput): string[] {
  const keys = [...entries.map((e) => e.entryKey), ...outcomes.map((o) => o.entryKey)];
  return [...keys, ...keys.map(errorKeyOf)];
}

interface Reported extends ResultReport {
  entryKey: string;
  outcome: CallOutcome;
  durationMs: number;
  error?: string | undefined;
}

type FreshRecord = AuditRecord & { entryKey: string; error?: string | undefined };

/** What a batch writes: inserts (entries, ERROR entries) and outcomes set on stored entries. */
export interface BatchPlan {
  inserts: AuditRecord[];
  /** ERROR entries missing after a half-done batch; written unless the call already has one. */
  recoveries: AuditRecord[];
  outcomeUpdates: Array<Omit<Reported, 'error'>>;
  counts: { stored: number; duplicates: number; mergedOutcomes: number; outcomeDuplicates: number };
}

/**
 * Plans a local-mode batch against what is stored. Throws (and so writes nothing) when an
 * outcome names an unknown entry, another agent's entry, or a call that never ran. The audit
 * trail matches strict mode's: the ALLOWED entry carries the outcome and, for an error, an ERROR
 * entry follows with the tool's message (see `decisions.complete`).
 */
export function planBatch(
  { entries, outcomes }: RecordBatchInput,
  stored: Map<string, KeyedEntry>,
  actor: Principal,
  /** The custom detectors of an agent's policy, to scan its arguments with. */
  detectorsOf: (agent: string) => readonly CustomDetector[] = () => [],
  /** The tags rules saw on a call: the record's and those declared for the tool (session facts read them). */
  tagsOf: (agent: string, action: string, sent: readonly string[] | undefined) => readonly string[] | undefined = (
    _agent,
    _action,
    sent,
  ) => sent,
): BatchPlan {
  const counts = { stored: 0, duplicates: 0, mergedOutcomes: 0, outcomeDuplicates: 0 };
  const fresh = new Map<string, FreshRecord>();
  const late: Reported[] = [];
  for (const e of entries) {
    if (stored.has(e.entryKey) || fresh.has(e.entryKey)) {
      counts.duplicates++;
      // A replayed record may carry an outcome its stored copy lacks: it counts as a late one.
      if (e.outcome !== undefined && e.durationMs !== undefined) {
        const { entryKey, outcome, durationMs, error, resultFindings, resultEffect } = e;
        late.push({ entryKey, outcome, durationMs, error, resultFindings, resultEffect });
      }
      continue;
    }
    const custom = detectorsOf(e.agent);
    const scanned = scanArgs(e.args, custom);
    const tags = tagsOf(e.agent, e.action, e.tool?.tags);
    fresh.set(e.entryKey, {
      timestamp: new Date(e.decidedAt),
      agent: e.agent,
      action: e.action,
      status: e.status,
      source: 'agent',
      actor: actor.name,
      // Usually the rule's reason, masked already by the local engine; an older SDK's or a
      // hand-made record's text is masked here (idempotent, so a masked reason stays as it is).
      details: maskedText(e.details, custom),
      callId: e.callId,
      approvalId: null,
      argsPreview: scanned.preview,
      findings: scanned.findings,
      // history.sum counts local-mode calls too (masked, as decisions store them)
      callArgs: scanned.maskedJson,
      ...(e.rule ? { rule: e.rule } : {}),
      ...(e.runId ? { runId: e.runId } : {}),
      ...(tags ? { tags } : {}),
      ...(e.argsRedacted ? { argsRedacted: true as const } : {}),
      ...(e.channel ? { channel: e.channel } : {}),
      ...(e.upstream ? { upstream: e.upstream } : {}),
      ...(e.upstreamTool ? { upstreamTool: e.upstreamTool } : {}),
      entryKey: e.entryKey,
      outcome: e.outcome,
      durationMs: e.durationMs,
      error: e.error,
      resultFindings: e.resultFindings,
      resultEffect: e.resultEffect,
    });
  }
  late.push(...outcomes);

  // Every check before any write: a refused batch changes nothing.
  for (const o of late) {
    const target = stored.get(o.entryKey) ?? fresh.get(o.entryKey);
    if (!target)
      throw new DomainError(
        'UNKNOWN_CALL',
        `No local-mode entry with key ${o.entryKey} was recorded`,
      );
    if (!mayActAs(actor, target.agent)) throw notYourAgent(target.agent);
    if (target.status !== 'ALLOWED')
      throw new DomainError(
        'INVALID_REQUEST',
        `Entry ${o.entryKey} is ${target.status}: only an ALLOWED call has an outcome`,
      );
  }

  const updates = new Map<string, Reported>();
  for (const o of late) {
    const f = fresh.get(o.entryKey);
    const s = stored.get(o.entryKey);
    if (f && f.outcome === undefined) {
      Object.assign(f, {
        outcome: o.outcome,
        durationMs: o.durationMs,
        error: o.error,
        resultFindings: o.resultFindings,
        resultEffect: o.resultEffect,
      });
      counts.mergedOutcomes++;
    } else if (s && s.outcome === null && !updates.has(o.entryKey)) {
      updates.set(o.entryKey, o);
    } else counts.outcomeDuplicates++; // write-once: a replay, or a second report
  }

  const inserts: AuditRecord[] = [];
  const recoveries: AuditRecord[] = [];
  const errorKeys = new Set<string>();
  const addError = (
    to: AuditRecord[],
    base: ErrorBase,
    key: string,
    report: Pick<Reported, 'durationMs' | 'error'>,
  ) => {
    if (stored.has(errorKeyOf(key)) || errorKeys.has(key)) return;
    errorKeys.add(key);
    to.push(errorEntry(base, key, report.durationMs, report.error));
  };
  for (const [key, f] of fresh) {
    inserts.push(f); // the writer stores AuditRecord fields only, so `error` stays out
    if (f.outcome === 'error' && f.durationMs !== undefined)
      addError(inserts, f, key, { durationMs: f.durationMs, error: f.error });
  }
  for (const o of late) {
    const s = stored.get(o.entryKey);
    const update = updates.get(o.entryKey);
    if (!s) continue;
    if (update?.outcome === 'error') addError(inserts, s, o.entryKey, update);
    // An error outcome stored without its ERROR entry (a batch that failed half-way) gets it on
    // the replay, unless `sdk.complete` wrote one: the stored outcome decides, not the report.
    else if (!update && s.outcome === 'error') addError(recoveries, s, o.entryKey, o);
  }
  counts.stored = fresh.size;
  const outcomeUpdates = [...updates.values()].map(
    ({ entryKey, outcome, durationMs, resultFindings, resultEffect }) => ({
      entryKey,
      outcome,
      durationMs,
      resultFindings,
      resultEffect,
    }),
  );
  return { inserts, recoveries, outcomeUpdates, counts };
}

type ErrorBase = Pick<
  AuditRecord,
  'timestamp' | 'agent' | 'action' | 'callId' | 'approvalId' | 'argsPreview' | 'actor'
>;

/** The ERROR entry strict mode's `sdk.complete` writes, at the time the tool failed. */
function errorEntry(
  base: ErrorBase,
  entryKey: string,
  durationMs: number,
  error: string | undefined,
): AuditRecord {
  return {
    timestamp: new Date(new Date(base.timestamp).getTime() + durationMs),
    agent: base.agent,
    action: base.action,
    status: 'ERROR',
    source: 'agent',
    actor: base.actor ?? null,
    details: toolFailedDetails(error),
    callId: base.callId,
    approvalId: base.approvalId,
    argsPreview: base.argsPreview,
    entryKey: errorKeyOf(entryKey),
  };
}
