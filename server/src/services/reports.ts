import {
  canonicalJson,
  compileEffective,
  evaluatePolicy,
  factNeedsFor,
  listsFromRules,
  maskedText,
  policyDlpFindings,
  scanValue,
  type AuditStatus,
  type DecidingRuleRef,
  type PolicyDecision,
  type PolicySet,
  type Principal,
  type RuleType,
  DomainError,
} from '@aegis/shared';
import type { AuditRecord } from '../data/repos/auditWriter';
import type { ServiceDeps } from './deps';
import type { CachedPolicy } from './policyCache';
import { callTags } from './evaluateCall';

/** How far a report may be dated ahead of the server's clock (clients' clocks drift). */
const FUTURE_SKEW_MS = 60_000;
/**
 * A local-mode SDK learns of a kill from a pushed event: calls it decided in the moment before
 * the event arrived are honest. Records dated later than this after a pause are not. (Undated
 * reports — the seed's /sdk/log — are taken as of now: while paused, no ALLOWED at all.)
 */
export const KILL_GRACE_MS = 2_000;
/**
 * Likewise for a new policy version: a local-mode SDK re-reads its snapshot when the change event
 * arrives. A record dated later than this after a newer version took effect is held to that
 * version too (it may not allow what the older one did).
 */
export const POLICY_GRACE_MS = 5_000;
/**
 * A local-mode SDK ships its records within a second (from its spool after a restart, within a
 * minute or so): an ALLOWED record dated before a kill or a policy change that forbids it, but
 * reported longer than this after the change, is not taken — it was held back or dated back.
 */
export const LATE_REPORT_MS = 60_000;
/**
 * How many local-mode ALLOWED records dated inside one kill's grace are taken. An honest SDK
 * decides only the calls already in flight in the moment before the kill event arrives; without a
 * bound, a key could date any number of calls into those 2 s and have them stored as ALLOWED.
 */
export const KILL_GRACE_MAX_RECORDS = 100;

const late = (now: number, since: number) => `${Math.round((now - since) / 1000)} s`;

/** One version of an agent's policy, compiled, as a report is checked against it. */
interface PolicyAtVersion {
  rules: ReadonlyMap<string, RuleType>;
  set: PolicySet;
  toolTags: CachedPolicy['toolTags'];
}

/** What an agent's report says happened. `version` null: the current policy (the seed's /sdk/log). */
export interface Claim {
  agent: string;
  action: string;
  status: AuditStatus;
  at: Date;
  version: number | null;
  /** A local-mode record's key: its refusal is recorded once however often it is replayed. */
  entryKey?: string;
  /** Whether `at` came from the client (a local-mode record) rather than the server's clock. */
  dated: boolean;
  /** The call's arguments, when the report carries them (local-mode records do). */
  args?: Record<string, unknown>;
  /** What the tool declared about itself, when the report carries it (local-mode records do). */
  tool?: { tags?: readonly string[]; description?: string };
  /** The rule the record says decided it (local-mode records); it is stored, so it is checked. */
  rule?: DecidingRuleRef;
  /** The record says the tool ran with what DLP found masked (a REDACT rule decided). */
  argsRedacted?: boolean;
  /** The record's text; it is stored too. */
  details?: string;
}

/**
 * Only the server records a call an approval let through, so a report's details may not pass for
 * one. Compared after NFKC and case folding, so look-alikes (a fullwidth ＃, ＡＰＰＲＯＶＡＬ) read as
 * what they show. The seed's /sdk/log details are free text: there, only "approval #N" is refused.
 */
const NAMES_APPROVAL = /\bapprov(al|ed)\b[^]*#\s*\d+/;
const folded = (text: string) => text.normalize('NFKC').toLowerCase().normalize('NFKC');
/**
 * A local-mode record's details are the deciding rule's reason, which the server's evaluation
 * produces too: details that differ from it and mention an approval in any form ("approval no.
 * 12", "a-p-p-r-o-v-e-d", format characters between the letters) are refused rather than matched
 * pattern by pattern. Letters only are kept, so no punctuation or spacing gets past the check.
 */
function claimsApproval(details: string, reason: string | undefined, dated: boolean): boolean {
  if (!dated) return NAMES_APPROVAL.test(folded(details));
  if (details === reason) return false; // a rule's own reason may say "pre-approved"
  return folded(details).replace(/[^\p{L}]/gu, '').includes('approv');
}
const showRule = (r: DecidingRuleRef | undefined) => (r ? `${r.scope} rule ${r.id} v${r.version}` : 'no rule');
type RuleCheck = 'all' | 'agent' | 'none';

/** What a check reads from the database, once per batch (see `check`). */
interface Lookups {
  changes: () => Promise<Array<{ at: number; status: AuditStatus }>>;
  versionSince: (version: number) => Promise<Date | null>;
  /** Counts one more record into a kill's grace; false when the grace is full. */
  admitInGrace: (agent: string, killAt: number) => Promise<boolean>;
}

export interface Violation {
  claim: Claim;
  code: 'FORBIDDEN' | 'CONFLICT';
  reason: string;
}

const verbs: Record<RuleType, string> = { BLOCK: 'blocks', REVIEW: 'sends to review', ALLOW: 'allows' };

/**
 * Agents' reports are checked against what the server knows before they are stored: a report
 * may claim only what the agent's policy let it do. Refused reports are recorded as VIOLATION
 * alerts against the agent (see `refuse`).
 */
export function createReportChecker(deps: ServiceDeps & { reportMaxAgeMs: number }) {
  const { repos, cache } = deps;

  /** PAUSED at `at` (past the grace after the pause), from the kill-switch entries in the record. */
  function pausedAt(
    changes: Array<{ at: number; status: AuditStatus }>,
    now: CachedPolicy,
    at: number,
    grace: number,
  ): boolean {
    let last: { at: number; status: AuditStatus } | undefined;
    let next: { at: number; status: AuditStatus } | undefined;
    for (const c of changes) {
      if (c.at <= at) last = c;
      else if (!next) next = c;
    }
    if (last) return last.status === 'PAUSED' && at - last.at > grace;
    // nothing on record before `at` (an older installation): the state before the next change
    if (next) return next.status === 'RESUMED';
    return now.status === 'PAUSED';
  }

  /** The kill (its time) whose grace `at` falls in: the last change at or before `at` paused the agent. */
  function graceKill(changes: Array<{ at: number; status: AuditStatus }>, at: number): number | null {
    let last: { at: number; status: AuditStatus } | undefined;
    for (const c of changes) if (c.at <= at) last = c;
    return last?.status === 'PAUSED' && at - last.at <= KILL_GRACE_MS ? last.at : null;
  }

  /** The agent's policy at `version` (lists + document, with today's global policy), compiled. */
  async function policyAt(
    snap: CachedPolicy,
    version: number,
  ): Promise<PolicyAtVersion | null> {
    if (version === snap.version) return { rules: snap.rules, set: snap.set, toolTags: snap.toolTags };
    const stored = await repos.policyHistory.get(snap.name, version);
    if (!stored && version !== 0) return null;
    const rules = stored?.rules ?? new Map<string, RuleType>();
    const document = stored?.document?.kind === 'AgentPolicy' ? stored.document : null;
    const set = compileEffective(
      { agent: snap.name, agentVersion: version, document, lists: listsFromRules(rules), global: null },
      snap.global.compiled,
    );
    // A version from before declared tags were recorded: today's (the stricter reading).
    return { rules, set, toolTags: stored?.toolTags ?? snap.toolTags };
  }

  /**
   * Why this policy version would not have allowed the claimed call (null: it would). `rules`:
   * whether the deciding rule the record names must be the one the server finds — `all` when the
   * set holds every rule in force (the current version's, with the global rules), `agent` for an
   * older version (compiled without the global rules), `none` for a newer version it wasn't decided with.
   */
  function notAllowedBy(
    policy: PolicyAtVersion,
    version: number,
    claim: Claim,
    snap: CachedPolicy,
    rules: RuleCheck = 'none',
    when: Date | undefined = claim.dated ? claim.at : undefined,
  ): string | null {
    // The same evaluation the decision made: with the arguments, tool metadata and time when the
    // report has them (local mode decides only calls whose rules need no server state — history,
    // session — so none is needed here; DLP facts come from scanning the same arguments).
    // The tags declared for the tool count whatever the record says, as they did for the decision.
    const tags = callTags(policy, claim.action, claim.tool?.tags);
    const tool = tags ? { ...claim.tool, tags } : claim.tool;
    const call = { agent: snap.agent, action: claim.action, args: claim.args ?? {}, tool };
    const needs = factNeedsFor(policy.set, call.agent, claim.action);
    const facts = needs.dlp ? { dlp: policyDlpFindings({ args: scanValue(call.args, { custom: policy.set.detectors }) }) } : undefined;
    const decided = evaluatePolicy(policy.set, call, { status: 'ACTIVE', facts, now: when });
    if (decided.verdict === 'ALLOWED')
      return rules === 'none' ? null : unlikeDecision(claim, decided, version, rules);
    const listed = policy.rules.get(claim.action);
    const what =
      decided.rule && !decided.rule.id.startsWith('seed-') && decided.rule.id !== 'default'
        ? `decides ${decided.verdict} (rule ${decided.rule.id})`
        : listed
          ? verbs[listed]
          : 'does not list (review)';
    return `ALLOWED for ${claim.action}, which policy v${version} ${what}`;
  }

  /**
   * What the record says beyond its verdict, against the decision of the version it was decided
   * with: its details, whether the tool ran with the arguments masked, the deciding rule.
   */
  function unlikeDecision(claim: Claim, decided: PolicyDecision, version: number, rules: RuleCheck): string | null {
    if (claim.details && claimsApproval(claim.details, decided.reason, claim.dated))
      return `names an approval in its details ("${maskedText(claim.details).slice(0, 80)}"); a local-mode record has none`;
    // A REDACT rule decided: the tool runs with what DLP found masked, and the record says so. One
    // without argsRedacted says the tool got the raw card — more than the policy let it have.
    if (claim.dated && decided.redactArgs && !claim.argsRedacted)
      return `ALLOWED for ${claim.action} with its arguments as sent, which policy v${version} masks (rule ${decided.rule?.id ?? 'default'}, REDACT): the tool may only run with them masked (argsRedacted)`;
    return ruleMismatch(claim, decided.rule ?? undefined, rules);
  }

  /** A record naming a deciding rule the server's evaluation does not (a forged "exception"). */
  function ruleMismatch(claim: Claim, found: DecidingRuleRef | undefined, rules: RuleCheck): string | null {
    const named = claim.rule;
    if (!named || rules === 'none' || (rules === 'agent' && named.scope === 'global')) return null;
    const same = found && named.id === found.id && named.scope === found.scope && named.version === found.version;
    return same ? null : `names ${showRule(named)} as deciding ${claim.action}; the policy decides with ${showRule(found)}`;
  }

  async function checkOne(claim: Claim, snap: CachedPolicy, now: number, lookups: Lookups): Promise<Violation | null> {
    const { changes, versionSince, admitInGrace } = lookups;
    const refuse = (code: Violation['code'], reason: string): Violation => ({ claim, code, reason });
    if (claim.status === 'APPROVED' || claim.status === 'DENIED')
      return refuse('FORBIDDEN', `${claim.status} is a person's decision on an approval; an agent can't report one`);
    if (claim.dated) {
      const at = claim.at.getTime();
      if (at > now + FUTURE_SKEW_MS)
        return refuse('CONFLICT', `dated ${claim.at.toISOString()}, in the future`);
      if (at < now - deps.reportMaxAgeMs)
        return refuse('CONFLICT', `dated ${claim.at.toISOString()}, older than reports are taken (${Math.round(deps.reportMaxAgeMs / 3_600_000)} h)`);
    }
    const version = claim.version ?? snap.version;
    if (version > snap.version)
      return refuse('CONFLICT', `policy v${version} of "${claim.agent}" does not exist (it is at v${snap.version})`);
    if (claim.status !== 'ALLOWED') return null; // BLOCKED, KILLED, PENDING, … claim no power
    // Every ALLOWED decision has a deciding rule (the default counts) and the SDK sends it; a
    // record without one would skip the check that it is the rule the server finds.
    if (claim.dated && !claim.rule)
      return refuse('CONFLICT', `names no deciding rule for ${claim.action}: a local-mode ALLOWED record says which rule allowed it (an SDK that doesn't send "rule" is older than this server; update it)`);
    if (claim.rule?.scope === 'global' && claim.rule.version > (await cache.globalPolicy()).version)
      return refuse('CONFLICT', `names ${showRule(claim.rule)}, a global policy version that does not exist`);
    // Decided with a policy version that did not exist yet: a date moved back, e.g. to before a
    // kill-switch, so the record would pass as decided while the agent was still active.
    const since = claim.dated && version > 0 ? await versionSince(version) : null;
    if (since && claim.at.getTime() < since.getTime() - FUTURE_SKEW_MS)
      return refuse('CONFLICT', `dated ${claim.at.toISOString()}, before policy v${version} of "${claim.agent}" existed (${since.toISOString()})`);
    const policy = await policyAt(snap, version);
    if (!policy) return refuse('CONFLICT', `policy v${version} of "${claim.agent}" is not on record`);
    const refusal = notAllowedBy(policy, version, claim, snap, version === snap.version ? 'all' : 'agent');
    if (refusal) return refuse(refusal.startsWith('names ') ? 'CONFLICT' : 'FORBIDDEN', refusal);
    const received = notAllowedAtReceipt(policy, version, claim, snap, now);
    if (received) return refuse('FORBIDDEN', received);
    // Decided with a version a newer one had replaced by then (past the grace a local-mode SDK
    // needs to hear of it): the call must also be one the version then in force allows.
    const replaced = claim.dated && version < snap.version ? await versionSince(version + 1) : null;
    if (replaced && claim.at.getTime() > replaced.getTime() + POLICY_GRACE_MS) {
      const inForce = await repos.policyHistory.inForceAt(claim.agent, new Date(claim.at.getTime() - POLICY_GRACE_MS));
      const newer = inForce && inForce.version > version ? await policyAt(snap, inForce.version) : null;
      const stale = newer && notAllowedBy(newer, inForce!.version, claim, snap);
      if (stale)
        return refuse('FORBIDDEN', `decided with policy v${version}, which v${inForce!.version} had replaced at ${replaced.toISOString()}: ${stale}`);
    }
    // Dated before a newer version, but reported long after it: a date moved back past the
    // change. The call must also be one today's policy allows.
    if (replaced && claim.at.getTime() < replaced.getTime() && now - replaced.getTime() > LATE_REPORT_MS) {
      const today = { rules: snap.rules, set: snap.set, toolTags: snap.toolTags };
      const held = notAllowedBy(today, snap.version, claim, snap);
      if (held)
        return refuse('FORBIDDEN', `dated ${claim.at.toISOString()}, before policy v${version + 1} took effect (${replaced.toISOString()}), but reported ${late(now, replaced.getTime())} after it: ${held}`);
    }
    if (!claim.dated) {
      if (snap.status === 'PAUSED')
        return refuse('FORBIDDEN', `ALLOWED for ${claim.action} while "${claim.agent}" was paused by the kill-switch`);
      return null;
    }
    const history = await changes();
    if (pausedAt(history, snap, claim.at.getTime(), KILL_GRACE_MS))
      return refuse('FORBIDDEN', `ALLOWED for ${claim.action} while "${claim.agent}" was paused by the kill-switch`);
    // Dated before a kill, but reported long after it: held back, or dated back, past the kill.
    const kill = history.find((c) => c.status === 'PAUSED' && c.at > claim.at.getTime() && now - c.at > LATE_REPORT_MS);
    if (kill)
      return refuse('FORBIDDEN', `ALLOWED for ${claim.action} dated ${claim.at.toISOString()}, before the kill-switch paused "${claim.agent}" (${new Date(kill.at).toISOString()}), but reported ${late(now, kill.at)} after it`);
    const graced = graceKill(history, claim.at.getTime());
    return graced === null ? null : afterKill(claim, graced, now, admitInGrace);
  }

  /**
   * A record dated inside a kill's grace: taken only as an honest SDK sends one — within the
   * late-report window (like a record dated before the kill), and no more of them than the calls
   * a process can have in flight when the event arrives (KILL_GRACE_MAX_RECORDS).
   */
  async function afterKill(
    claim: Claim,
    killAt: number,
    now: number,
    admit: (agent: string, killAt: number) => Promise<boolean>,
  ): Promise<Violation | null> {
    const what = `ALLOWED for ${claim.action} dated ${claim.at.toISOString()}, ${claim.at.getTime() - killAt} ms after the kill-switch paused "${claim.agent}" (${new Date(killAt).toISOString()})`;
    if (now - killAt > LATE_REPORT_MS)
      return { claim, code: 'FORBIDDEN', reason: `${what}, but reported ${late(now, killAt)} after it` };
    if (!(await admit(claim.agent, killAt)))
      return { claim, code: 'FORBIDDEN', reason: `${what}: more than ${KILL_GRACE_MAX_RECORDS} records are dated inside that kill's ${KILL_GRACE_MS / 1000} s grace` };
    return null;
  }

  /**
   * Time rules (`now > timestamp(…)`, office hours) are judged at the time a record claims, since
   * local mode decides before it ships. A date is the agent's word, though: a call made after a
   * cutoff, dated back before it, would be stored as allowed however late it came. So a record
   * received more than LATE_REPORT_MS after its date must also be allowed at receipt — as for a
   * kill or a policy change, honest records arrive within a second (a spool replayed after a
   * longer outage that spans the cutoff is refused, and shows as a VIOLATION). Only time differs
   * between the two evaluations, so a record whose rules don't read it is never affected.
   */
  function notAllowedAtReceipt(
    policy: PolicyAtVersion,
    version: number,
    claim: Claim,
    snap: CachedPolicy,
    now: number,
  ): string | null {
    if (!claim.dated || now - claim.at.getTime() <= LATE_REPORT_MS) return null;
    const received = notAllowedBy(policy, version, claim, snap, 'none', new Date(now));
    if (!received) return null;
    return `dated ${claim.at.toISOString()} but received ${late(now, claim.at.getTime())} later, when the policy no longer allowed it (a rule reads the time): ${received} at ${new Date(now).toISOString()}`;
  }

  return {
    /** The claims that may not be stored, with why. */
    async check(claims: Claim[]): Promise<Violation[]> {
      const now = Date.now();
      const snaps = new Map<string, CachedPolicy | null>();
      const history = new Map<string, Promise<Array<{ at: number; status: AuditStatus }>>>();
      const versions = new Map<string, Promise<Date | null>>();
      const graces = new Map<string, Promise<number>>();
      // Records dated in a kill's grace: those stored, then this batch's as they are taken (the
      // batch lock keeps another batch from adding to them meanwhile).
      const admitInGrace = async (agent: string, killAt: number) => {
        const key = `${agent}\u0000${killAt}`;
        const counted = graces.get(key) ?? repos.audit.countAllowedReports(agent, new Date(killAt), new Date(killAt + KILL_GRACE_MS));
        const next = counted.then((n) => n + 1);
        graces.set(key, next);
        return (await next) <= KILL_GRACE_MAX_RECORDS;
      };
      const violations: Violation[] = [];
      for (const claim of claims) {
        if (!snaps.has(claim.agent)) snaps.set(claim.agent, await cache.get(claim.agent));
        const snap = snaps.get(claim.agent);
        if (!snap) continue; // unknown agents are refused (404) before this
        const changes = () => {
          let loaded = history.get(claim.agent);
          if (!loaded) history.set(claim.agent, (loaded = repos.audit.statusChanges(claim.agent)));
          return loaded;
        };
        const versionSince = (version: number) => {
          const key = `${claim.agent}\u0000${version}`;
          let since = versions.get(key);
          if (!since) versions.set(key, (since = repos.policyHistory.get(claim.agent, version).then((v) => v?.at ?? null)));
          return since;
        };
        const lookups: Lookups = { changes, versionSince, admitInGrace };
        let violation = await checkOne(claim, snap, now, lookups);
        if (violation) {
          // A refusal accuses the agent (a VIOLATION alert): first make sure it isn't this
          // server's cached view lagging a change that just happened (a policy version or a
          // kill-switch the agent already heard of), by checking again from the database.
          cache.invalidate(claim.agent);
          history.delete(claim.agent);
          const fresh = await cache.get(claim.agent);
          snaps.set(claim.agent, fresh);
          violation = fresh ? await checkOne(claim, fresh, now, lookups) : violation;
        }
        if (violation) violations.push(violation);
      }
      return violations;
    },

    /**
     * Records each refused report as a VIOLATION alert against its agent (once per local-mode
     * record, however often it is replayed), then refuses the request: 403 when the report
     * claims what the policy did not allow, 409 when it contradicts what the server knows.
     */
    async refuse(violations: Violation[], actor: Principal, what: string): Promise<never> {
      const keys = violations.flatMap((v) => (v.claim.entryKey ? [`${v.claim.entryKey}:violation`] : []));
      const recorded = await repos.audit.byEntryKeys(keys);
      const alerts: AuditRecord[] = [];
      for (const { claim, reason } of violations) {
        const entryKey = claim.entryKey ? `${claim.entryKey}:violation` : undefined;
        if (entryKey && recorded.has(entryKey)) continue;
        alerts.push({
          timestamp: new Date(),
          agent: claim.agent,
          action: claim.action,
          status: 'VIOLATION',
          source: 'server',
          actor: actor.name,
          details: `Refused ${what} from ${actor.name}: ${reason}`,
          callId: null,
          approvalId: null,
          argsPreview: canonicalJson({
            claimed: claim.status,
            at: claim.at.toISOString(),
            policyVersion: claim.version,
          }),
          ...(entryKey ? { entryKey } : {}),
        });
      }
      await Promise.all(alerts.map((a) => repos.audit.write(a)));
      const first = violations[0];
      const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
      const key = first?.claim.entryKey ? ` (entry ${first.claim.entryKey})` : '';
      throw new DomainError(
        violations.some((v) => v.code === 'FORBIDDEN') ? 'REPORT_REFUSED' : 'REPORT_UNVERIFIABLE',
        `${what} refused${key}: ${first?.reason ?? 'not allowed'}${more}`,
      );
    },
  };
}
export type ReportChecker = ReturnType<typeof createReportChecker>;
