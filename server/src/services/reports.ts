import {
  canonicalJson,
  compileEffective,
  evaluatePolicy,
  factNeedsFor,
  listsFromRules,
  policyDlpFindings,
  scanValue,
  type AuditStatus,
  type DecidingRuleRef,
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
  /** The record's text; it is stored too. */
  details?: string;
}

/** Details that name an approval: only the server records a call an approval let through. */
const NAMES_APPROVAL = /\bapprov(al|ed)\b[^]*#\s*\d+/i;
const showRule = (r: DecidingRuleRef | undefined) => (r ? `${r.scope} rule ${r.id} v${r.version}` : 'no rule');
type RuleCheck = 'all' | 'agent' | 'none';

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
    const decided = evaluatePolicy(policy.set, call, { status: 'ACTIVE', facts, now: claim.dated ? claim.at : undefined });
    if (decided.verdict === 'ALLOWED') return ruleMismatch(claim, decided.rule ?? undefined, rules);
    const listed = policy.rules.get(claim.action);
    const what =
      decided.rule && !decided.rule.id.startsWith('seed-') && decided.rule.id !== 'default'
        ? `decides ${decided.verdict} (rule ${decided.rule.id})`
        : listed
          ? verbs[listed]
          : 'does not list (review)';
    return `ALLOWED for ${claim.action}, which policy v${version} ${what}`;
  }

  /** A record naming a deciding rule the server's evaluation does not (a forged "exception"). */
  function ruleMismatch(claim: Claim, found: DecidingRuleRef | undefined, rules: RuleCheck): string | null {
    const named = claim.rule;
    if (!named || rules === 'none' || (rules === 'agent' && named.scope === 'global')) return null;
    const same = found && named.id === found.id && named.scope === found.scope && named.version === found.version;
    return same ? null : `names ${showRule(named)} as deciding ${claim.action}; the policy decides with ${showRule(found)}`;
  }

  async function checkOne(
    claim: Claim,
    snap: CachedPolicy,
    changes: () => Promise<Array<{ at: number; status: AuditStatus }>>,
    now: number,
    versionSince: (version: number) => Promise<Date | null>,
  ): Promise<Violation | null> {
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
    if (claim.details && NAMES_APPROVAL.test(claim.details))
      return refuse('CONFLICT', `names an approval in its details ("${claim.details.slice(0, 80)}"); a local-mode record has none`);
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
    return null;
  }

  return {
    /** The claims that may not be stored, with why. */
    async check(claims: Claim[]): Promise<Violation[]> {
      const now = Date.now();
      const snaps = new Map<string, CachedPolicy | null>();
      const history = new Map<string, Promise<Array<{ at: number; status: AuditStatus }>>>();
      const versions = new Map<string, Promise<Date | null>>();
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
        let violation = await checkOne(claim, snap, changes, now, versionSince);
        if (violation) {
          // A refusal accuses the agent (a VIOLATION alert): first make sure it isn't this
          // server's cached view lagging a change that just happened (a policy version or a
          // kill-switch the agent already heard of), by checking again from the database.
          cache.invalidate(claim.agent);
          history.delete(claim.agent);
          const fresh = await cache.get(claim.agent);
          snaps.set(claim.agent, fresh);
          violation = fresh ? await checkOne(claim, fresh, changes, now, versionSince) : violation;
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
