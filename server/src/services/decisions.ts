import { randomUUID } from 'node:crypto';
import {
  canonicalJson,
  DomainError,
  mayActAs,
  summarizeApproval,
  tagFindings,
  type AuditEntry,
  type CallChannel,
  type DecideInput,
  type Decision,
  type DecidingRuleRef,
  type ScanFinding,
  type Verdict,
  annotate,
} from '@aegis/shared';
import { toApprovalSummary } from '../data/repos/mappers';
import type { ServiceDeps } from './deps';
import type { Services } from './types';
import { argsPreview, reviewBinding, scanArgs, toolFailedDetails } from './args';
import { resultRulesOf } from './results';
import { mustActFor, unknownAgent } from './errors';
import type { CachedPolicy } from './policyCache';
import { callTags, evaluateCall, pastCallsLock, readsPastCalls } from './evaluateCall';
import { heldReason, reviewSettings } from './reviewSettings';
import { openWithinLimit, waitDeadline } from './approvalLimits';
import type { ApprovalDoc } from '../data/models/approval.model';
import type { ApprovalBinding } from '../data/repos/approvals.repo';
import type { WrittenEntry } from '../data/repos/auditWriter';

const RECENT_CALLS = 50_000;

/**
 * The audit entryKey of a call's decision (clients' keys cannot contain ':'). A REVIEW answer is
 * not final — the same call id may come back once approved and be ALLOWED — so it has its own key.
 */
const decisionKey = (callId: string, verdict?: Verdict) =>
  verdict === 'REVIEW' ? `decide:${callId}:review` : `decide:${callId}`;

/** How long after its decision an ALLOWED call id may come back as a retry (a lost answer, a failover). */
export const RETRY_WINDOW_MS = 5 * 60_000;

/**
 * Whether the decision stored under this call's id may answer it again: only for a retry of the
 * very same call — same agent, action and arguments (their keyed digest) — and, when it was
 * ALLOWED, only while the call has not run (no outcome) and within RETRY_WINDOW_MS. Otherwise
 * CALL_ID_REUSED: a call id names one call, never a standing permission to run others or to run
 * it again.
 */
function checkRetry(earlier: WrittenEntry, agent: string, base: CallBase, now: number): void {
  const reused = (why: string) =>
    new DomainError('CALL_ID_REUSED', `Call id ${base.callId} ${why}; a new call needs a new call id`);
  if (
    earlier.agent !== agent ||
    earlier.action !== base.action ||
    earlier.earlier?.argsHash !== base.argsHash
  )
    throw reused('was already used for another call');
  if (earlier.status !== 'ALLOWED') return;
  if (earlier.outcome !== null) throw reused('already ran (its outcome is recorded)');
  if (now - Date.parse(earlier.timestamp) > RETRY_WINDOW_MS)
    throw reused(`was allowed at ${earlier.timestamp}, too long ago to be a retry`);
}

/** What the audit entry of a decision carries besides its verdict. */
interface CallBase {
  action: string;
  callId: string;
  preview: string | null;
  findings: ScanFinding[];
  rule: DecidingRuleRef | null;
  /** The raw arguments' keyed digest (the approval binding's): a retry must match it. */
  argsHash: string;
  /** Masked canonical JSON of the arguments (history sums and replay read it). */
  callArgs: string | null;
  runId: string | null;
  tags: readonly string[] | null;
  channel: CallChannel | undefined;
  /** Gateway calls: which upstream tool the call runs (on record, hashed). */
  upstream: string | undefined;
  upstreamTool: string | undefined;
  /** The arguments with everything DLP found masked. */
  maskedArgs: Record<string, unknown>;
  /** A REDACT rule decided: the tool runs with `maskedArgs`. */
  redact: boolean;
}

/** What an outcome report needs of its call; `hash` (as stored) seals its outcome against it. */
type AllowedCall = Pick<
  AuditEntry,
  'id' | 'agent' | 'action' | 'approvalId' | 'argsPreview' | 'hash'
>;

/**
 * The hot path. One call: kill-switch, policy, approval redemption, exactly one audit entry, and
 * for REVIEW the approval itself. Configuration comes from the in-memory policy cache, so an
 * ALLOW/BLOCK/KILL decision costs a single (group-committed) insert.
 */
export function createDecisionService(
  deps: ServiceDeps,
): Omit<Services['decisions'], 'judgeResult' | 'resultPolicy'> & { forgetCalls(): void } {
  const { repos, bus, cache, locks, approvalTtlMs, bind } = deps;
  // Recent ALLOWED calls by callId, so sdk.complete needs no lookup query (oldest evicted first).
  const allowedCalls = new Map<string, AllowedCall>();
  const remember = (callId: string, call: AllowedCall) => {
    allowedCalls.delete(callId);
    allowedCalls.set(callId, call);
    if (allowedCalls.size > RECENT_CALLS)
      allowedCalls.delete(allowedCalls.keys().next().value as string);
  };

  /**
   * Stores a decision and answers it. Keyed by call id, so a retry (on this or another server)
   * finds the stored decision instead; `keyed: false` records a refusal of a call id decided
   * before (the agent killed or the call blocked since), which must be on record all the same.
   */
  async function record(
    snap: CachedPolicy,
    base: CallBase,
    verdict: Verdict,
    reason: string,
    approvalId: number | null,
    keyed = true,
  ): Promise<Decision> {
    const entry = await repos.audit.write({
      timestamp: new Date(),
      agent: snap.name,
      action: base.action,
      status: verdict === 'REVIEW' ? 'PENDING' : verdict,
      source: 'server',
      details: reason,
      callId: base.callId,
      approvalId,
      argsPreview: base.preview,
      findings: base.findings,
      rule: base.rule,
      callArgs: base.callArgs,
      runId: base.runId,
      tags: base.tags,
      ...(base.redact ? { argsRedacted: true as const } : {}),
      ...(base.channel ? { channel: base.channel } : {}),
      ...(base.upstream ? { upstream: base.upstream } : {}),
      ...(base.upstreamTool ? { upstreamTool: base.upstreamTool } : {}),
      argsHash: base.argsHash,
      ...(keyed ? { entryKey: decisionKey(base.callId, verdict) } : {}),
    });
    if (entry.earlier) {
      checkRetry(entry, snap.name, base, Date.now());
      // Refused now (killed, or blocked by the policy since): the refusal answers, on record.
      if ((verdict === 'KILLED' || verdict === 'BLOCKED') && entry.status !== verdict)
        return record(snap, base, verdict, reason, approvalId, false);
      return await replayed(snap, base, entry);
    }
    if (verdict === 'ALLOWED') {
      remember(base.callId, {
        id: entry.id,
        hash: entry.hash,
        agent: entry.agent,
        action: entry.action,
        approvalId,
        argsPreview: base.preview,
      });
    }
    const decision: Decision = {
      verdict,
      reason,
      callId: base.callId,
      auditId: entry.id,
      approvalId,
      policyVersion: snap.version,
      rule: base.rule,
    };
    if (base.redact) decision.args = base.maskedArgs;
    if (verdict === 'ALLOWED') {
      const resultRules = resultRulesOf(snap, base.action);
      if (resultRules) decision.resultRules = resultRules;
    }
    return decision;
  }

  /** The decision stored for a retried call, as it was answered the first time. */
  async function replayed(snap: CachedPolicy, base: CallBase, entry: AuditEntry): Promise<Decision> {
    const verdict = entry.status === 'PENDING' ? 'REVIEW' : (entry.status as Verdict);
    const decision: Decision = {
      verdict,
      reason: entry.details,
      callId: entry.callId ?? '',
      auditId: entry.id,
      approvalId: entry.approvalId,
      policyVersion: snap.version,
      rule: entry.rule ?? null,
    };
    // A retried REDACT decision hands back masked arguments too, never a way to the raw ones.
    if (entry.argsRedacted) decision.args = base.maskedArgs;
    if (verdict === 'ALLOWED' && entry.approvalId !== null) {
      // Approved with edited arguments: the retry runs the edited call, as the first answer said
      // (a retry answered without them would run the agent's own arguments on that approval).
      const used = await repos.approvals.get(entry.approvalId);
      if (used?.editedArgs) decision.args = used.editedArgs;
    }
    if (verdict === 'ALLOWED') {
      const resultRules = resultRulesOf(snap, entry.action);
      if (resultRules) decision.resultRules = resultRules;
    }
    return decision;
  }

  /**
   * Arguments over AEGIS_MAX_ARGS_BYTES are refused (413) before anything is stored of them but
   * the masked preview, and the refusal is on record as a BLOCKED call.
   */
  async function refuseOversized(
    snap: CachedPolicy,
    input: DecideInput,
    size: number,
  ): Promise<never> {
    const reason = `arguments are ${size} bytes of canonical JSON, over the ${deps.maxArgsBytes}-byte limit (AEGIS_MAX_ARGS_BYTES)`;
    await repos.audit.write({
      timestamp: new Date(),
      agent: snap.name,
      action: input.action,
      status: 'BLOCKED',
      source: 'server',
      details: `Refused: ${reason}`,
      callId: input.callId ?? null,
      approvalId: null,
      argsPreview: argsPreview(input.args ?? {}),
    });
    throw new DomainError('ARGS_TOO_LARGE', `args: ${reason}`);
  }

  /** One decision, from the size check to its audit entry (and approval). */
  async function decideFor(
    snap: CachedPolicy,
    input: DecideInput,
    opts: { seedClient?: boolean },
  ): Promise<Decision> {
    const args = input.args ?? {};
    const argsJson = canonicalJson(args);
    const size = Buffer.byteLength(argsJson);
    if (size > deps.maxArgsBytes) return refuseOversized(snap, input, size);
    // One pass over the arguments: the findings (audit entry, `dlp` facts) and the preview.
    const scanned = scanArgs(args, snap.set.detectors, argsJson);
    // Which detectors matched, never what: the span carries no argument values.
    if (scanned.findings.length > 0)
      annotate(() => ({
        'aegis.dlp.detectors': [...new Set(scanned.findings.map((f) => f.detector))],
      }));
    const call = {
      action: input.action,
      args,
      runId: input.runId,
      tool: input.tool,
      findings: scanned.findings,
      truncated: scanned.truncated,
    };
    const binding = bind(snap, input.action, args, argsJson);
    const { verdict, reason, rule, redactArgs, maskWhenApproved } = await evaluateCall(repos, snap, call, {
      observe: deps.hooks?.policyEvaluated,
    });
    const base: CallBase = {
      action: input.action,
      callId: input.callId ?? randomUUID(),
      preview: scanned.preview,
      findings: scanned.findings,
      rule,
      argsHash: binding.argsHash,
      callArgs: scanned.maskedJson,
      runId: input.runId ?? null,
      // what the rules saw: the call's tags and the tool's declared ones (session facts read them)
      tags: callTags(snap, input.action, input.tool?.tags) ?? null,
      channel: input.channel,
      upstream: input.upstream,
      upstreamTool: input.upstreamTool,
      maskedArgs: scanned.masked ?? {},
      redact: redactArgs === true && verdict === 'ALLOWED',
    };
    if (verdict !== 'REVIEW') return record(snap, base, verdict, reason, null);
    // The approval answers the question of the rule that asks it now (GlobalPolicy included).
    const bound = reviewBinding(binding, rule);

    // Serialize per binding so two identical calls racing here open one approval, not two.
    const key = `review:${binding.agent}:${binding.action}:${binding.argsHash}:${binding.policyVersion}`;
    return locks.run(key, async () => {
      // A retried call must not use up a second approval or open another one.
      const earlier = await repos.audit.findByEntryKey(decisionKey(base.callId));
      if (earlier) {
        checkRetry(earlier, snap.name, base, Date.now());
        return await replayed(snap, base, earlier);
      }
      const now = new Date();
      if (input.run) {
        // A resumed graph run is held to the approval it paused on: never a second approval
        // for a call a person already refused, nor for arguments the person never saw.
        const held = await repos.approvals.forRun(snap.name, input.run);
        const refusal = held && refusalForResumedRun(held, binding);
        if (refusal) return record(snap, base, 'BLOCKED', refusal, held.id);
      }
      const used = await repos.approvals.consumeApproved(bound, now);
      if (used?.editedArgs) {
        // The reviewer changed the arguments: the agent runs the edited call, and the record says
        // so — its preview, findings and the arguments history sums read are the edited ones. An
        // admin's explicit edit is what runs, unmasked (REDACT rules mask the agent's arguments).
        const edited = used.editedArgs;
        const ran = scanArgs(edited, snap.set.detectors);
        const why = `Approved with edited arguments by ${used.decidedBy ?? 'a reviewer'} (approval #${used.id})`;
        const decision = await record(
          snap,
          { ...base, preview: ran.preview, callArgs: ran.maskedJson, findings: ran.findings, redact: false },
          'ALLOWED',
          why,
          used.id,
        );
        return { ...decision, args: edited };
      }
      if (used) {
        // A REDACT rule that matches the call still masks it: approving the review lets the call
        // past the person (who saw it masked), not past the masking.
        const masked = maskWhenApproved === true;
        const why = `Approved by ${used.decidedBy ?? 'a reviewer'} (approval #${used.id})${masked ? '; runs with what DLP found in its arguments masked (a REDACT rule matches)' : ''}`;
        return record(snap, { ...base, redact: masked }, 'ALLOWED', why, used.id);
      }
      const open = await repos.approvals.findPending(bound, now);
      if (open && input.run && !open.run)
        await repos.approvals.attachRun(open.id, input.run, now);
      if (open && opts.seedClient && !open.seedClient) await repos.approvals.markSeedClient(open.id);
      const waitEnds = input.run ? null : waitDeadline(input.waitMs, now, approvalTtlMs);
      if (open) {
        // Another caller waits for the same call: the approval lasts as long as the longest wait.
        const moved = await repos.approvals.join(open.id, waitEnds, approvalTtlMs);
        if (moved) bus.emitChange({ type: 'approval.decided', approval: summarizeApproval(moved) });
        return record(snap, base, 'REVIEW', `${reason}; awaiting approval #${open.id}`, open.id);
      }
      const opening = await openWithinLimit(deps, snap.name, now, () =>
        repos.approvals.create({
          ...bound,
          args,
          callId: base.callId,
          expiresAt: waitEnds ?? new Date(now.getTime() + approvalTtlMs),
          findings: tagFindings('args', base.findings),
          run: input.run,
          ...(opts.seedClient ? { seedClient: true } : {}),
          ...reviewSettings(snap, rule, now),
          ...heldReason(snap, rule, reason, base.findings),
        }),
      );
      if ('refused' in opening) return record(snap, base, 'BLOCKED', opening.refused, null);
      const created = opening.opened;
      const decision = await record(
        snap,
        base,
        'REVIEW',
        `${reason}; approval #${created.id} opened`,
        created.id,
      );
      // The entry names the approval; now the approval names the entry (the card links to it).
      if (decision.approvalId === created.id) {
        await repos.approvals.noteReviewEntry(created.id, decision.auditId);
        created.auditId = decision.auditId;
      }
      bus.emitChange({ type: 'approval.created', approval: toApprovalSummary(created) });
      deps.hooks?.approvalOpened?.(created);
      return decision;
    });
  }

  return {
    /** After a demo reset: the remembered calls point at deleted entries. */
    forgetCalls: () => allowedCalls.clear(),

    async decide(input, _actor, opts = {}) {
      const snap = await cache.get(input.agent);
      if (!snap) throw unknownAgent(input.agent);
      // Rules over history or this run's session count the agent's earlier ALLOWED calls: its
      // decisions are taken one at a time, from reading those counts to recording the verdict
      // (across servers: a lease in the database). Otherwise calls sent together each read the
      // same past and each pass (attack review 10: 19 of 20 concurrent calls passed a rule of at
      // most 5 an hour, ten 9,000 loans a rule of 50,000 a day). Other agents and other policies
      // are not held up.
      if (readsPastCalls(snap, input.action))
        return locks.run(pastCallsLock(snap.name), () => decideFor(snap, input, opts));
      return decideFor(snap, input, opts);
    },

    async complete(input, actor) {
      const cached = allowedCalls.get(input.callId);
      const recordedBefore = () =>
        new DomainError(
          'OUTCOME_RECORDED',
          `The outcome of call ${input.callId} was already recorded`,
        );
      let entry: AllowedCall;
      if (cached && mayActAs(actor, cached.agent)) {
        // Taken out first, so a second report of the same call goes the checked way below. A
        // report racing this one that way (or on another server) may still win the write-once
        // outcome: the queued write says whether this one was recorded.
        allowedCalls.delete(input.callId);
        entry = cached;
        const { id, hash } = entry;
        const report = { resultFindings: input.resultFindings, resultEffect: input.resultEffect };
        const known = hash ?? undefined;
        if (!(await repos.audit.queueOutcome(id, input.outcome, input.durationMs, report, known)))
          throw recordedBefore();
      } else {
        // Not `cached` here: held for another agent under the same (client-chosen) call id.
        const found = await repos.audit.latestAllowedByCallId(
          input.callId,
          actor.role === 'admin' ? undefined : (actor.agents ?? []),
        );
        const unknownCall = () =>
          new DomainError('UNKNOWN_CALL', `No allowed call ${input.callId} was recorded`);
        if (!found) throw unknownCall();
        mustActFor(actor, found.agent, unknownCall);
        if (!(await repos.audit.setOutcome(found.id, input.outcome, input.durationMs, input)))
          throw recordedBefore();
        entry = found;
      }
      if (input.outcome === 'error') {
        await repos.audit.write({
          // One per call, whatever reaches here twice (a server-made key no client can send).
          entryKey: `outcome:${entry.id}:error`,
          timestamp: new Date(),
          agent: entry.agent,
          action: entry.action,
          status: 'ERROR',
          // the agent's report of how its call ended
          source: 'agent',
          actor: actor.name,
          details: toolFailedDetails(input.error),
          callId: input.callId,
          approvalId: entry.approvalId,
          argsPreview: entry.argsPreview,
        });
      }
    },
  };
}

/**
 * Why the resumed call of a paused run may not go ahead on the approval it paused on, or null when
 * the usual path decides (approved and unused → redeemed; still pending → REVIEW again; approved
 * under an older policy version → a fresh review).
 */
function refusalForResumedRun(held: ApprovalDoc, binding: ApprovalBinding): string | null {
  const ref = `approval #${held.id}`;
  if (held.action !== binding.action || held.argsHash !== binding.argsHash) {
    return `The resumed call differs from the one under ${ref} (tool or arguments changed); not run`;
  }
  if (held.status === 'DENIED')
    return `A reviewer denied ${ref}${held.decidedBy ? ` (${held.decidedBy})` : ''}`;
  if (held.status === 'EXPIRED') return `Nobody decided ${ref} in time; it expired`;
  if (held.status === 'APPROVED' && held.consumedAt)
    return `${ref} was already used; approvals are single-use`;
  return null;
}

