import {
  DomainError,
  effectiveGovernanceRules,
  evaluateGovernance,
  governanceRule,
  compileRule,
  maskedText,
  parseGovernanceYaml,
  SEVERITY_ORDER,
  type CompiledGovernanceRule,
  type GovernanceFinding,
  type Principal,
  type Severity4,
  type Violation,
} from '@aegis/shared';
import type { ViolationDoc } from '../data/repos/governance.repo';
import { ACTION, noteAction } from './actions';
import type { ServiceDeps } from './deps';
import type { ManifestService } from './manifests';
import { yieldSlices } from './yieldSlices';

const DAY = 86_400_000;

export function toViolation(doc: ViolationDoc, now = new Date()): Violation {
  const ack = doc.ack;
  return {
    key: doc.key,
    ruleId: doc.ruleId,
    agent: doc.agent,
    tool: doc.tool ?? null,
    severity: doc.severity,
    title: doc.title,
    explanation: doc.explanation,
    explanationSource: doc.explanationSource,
    remediation: doc.remediation ?? '',
    status: doc.status,
    firstSeen: new Date(doc.firstSeen).toISOString(),
    lastSeen: new Date(doc.lastSeen).toISOString(),
    resolvedAt: doc.resolvedAt ? new Date(doc.resolvedAt).toISOString() : null,
    acknowledged: !!ack && new Date(ack.expiresAt) > now,
    ack: ack
      ? {
          by: ack.by,
          reason: ack.reason,
          at: new Date(ack.at).toISOString(),
          expiresAt: new Date(ack.expiresAt).toISOString(),
        }
      : null,
  };
}

const bySeverity = (a: Violation, b: Violation) =>
  SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
  a.agent.localeCompare(b.agent) ||
  a.ruleId.localeCompare(b.ruleId) ||
  (a.tool ?? '').localeCompare(b.tool ?? '');

/**
 * Governance: the built-in pack plus people's rules, evaluated over manifests; violations stored
 * with first/last seen, resolved when their cause goes away, acknowledged with a reason and expiry.
 */
export function createGovernanceService(deps: ServiceDeps, manifests: ManifestService) {
  const { repos, bus, logger } = deps;

  async function rules(): Promise<CompiledGovernanceRule[]> {
    const stored = await repos.governance.customRules();
    const custom = stored.flatMap((doc) => {
      const compiled = compileRule(governanceRule.parse(doc.rule));
      return 'problem' in compiled ? [] : [compiled];
    });
    return effectiveGovernanceRules(custom);
  }

  const service = {
    rules: async () => {
      const custom = new Set((await repos.governance.customRules()).map((r) => r.id));
      return (await rules()).map((r) => ({
        rule: r.rule,
        source: custom.has(r.rule.id) ? ('custom' as const) : ('builtin' as const),
      }));
    },

    /** Evaluates these agents (all when omitted) and records the outcome. */
    async evaluate(agents?: string[], now = new Date()) {
      const [compiled, built] = await Promise.all([rules(), manifests.build(agents, now)]);
      const findings: GovernanceFinding[] = [];
      const slice = yieldSlices();
      for (const m of built) {
        await slice();
        findings.push(
          ...evaluateGovernance(compiled, m, (ruleId, error) =>
            logger.warn(
              { ruleId, agent: m.agent.name, err: error },
              'governance rule failed on a manifest',
            ),
          ),
        );
      }
      const scope = agents ?? undefined;
      const { opened, resolved } = await repos.governance.record(findings, scope, now);
      if (opened || resolved) bus.emitChange({ type: 'governance.changed', opened, resolved });
      return { agents: built.length, open: findings.length, opened, resolved };
    },

    async list(query: {
      status?: 'OPEN' | 'RESOLVED';
      severity?: Severity4;
      agent?: string;
      ruleId?: string;
      limit: number;
    }) {
      const now = new Date();
      const { limit, ...filter } = query;
      const [docs, open] = await Promise.all([
        repos.governance.list(filter, limit),
        repos.governance.open(),
      ]);
      const counts = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<
        Severity4,
        number
      >;
      for (const v of open.map((d) => toViolation(d, now)))
        if (!v.acknowledged) counts[v.severity]++;
      return { violations: docs.map((d) => toViolation(d, now)).sort(bySeverity), counts };
    },

    async acknowledge(
      input: { key: string; reason: string; expiresInDays: number },
      actor: Principal,
    ) {
      const at = new Date();
      const reason = maskedText(input.reason);
      const doc = await repos.governance.acknowledge(input.key, {
        by: actor.name,
        reason,
        at,
        expiresAt: new Date(at.getTime() + input.expiresInDays * DAY),
      });
      if (!doc)
        throw new DomainError('UNKNOWN_VIOLATION', `No governance violation "${input.key}"`);
      // Accepting a risk is a person's decision an auditor asks about: who, why, until when.
      await noteAction(
        repos,
        {
          agent: doc.agent,
          status: 'POLICY',
          action: ACTION.violationAck,
          details: `${actor.name} acknowledged "${doc.title}" for ${input.expiresInDays} days: ${reason}`,
          params: {
            key: doc.key,
            rule: doc.ruleId,
            reason,
            expiresAt: new Date(at.getTime() + input.expiresInDays * DAY).toISOString(),
          },
        },
        actor,
      );
      bus.emitChange({ type: 'governance.changed', opened: 0, resolved: 0 });
      return toViolation(doc, at);
    },

    /** Validates YAML rules and (unless dryRun) stores them, then re-evaluates every agent. */
    async apply(input: { yaml: string; dryRun: boolean }, actor: Principal) {
      const parsed = parseGovernanceYaml(input.yaml);
      if (!parsed.ok) return { ok: false, problems: parsed.problems, applied: [] };
      if (input.dryRun) return { ok: true, problems: [], applied: [] };
      for (const r of parsed.rules) await repos.governance.saveRule(r.rule, actor.name);
      const ids = parsed.rules.map((r) => r.rule.id);
      await noteAction(
        repos,
        {
          agent: '',
          status: 'POLICY',
          action: ACTION.governanceRules,
          details: `${actor.name} applied governance rules: ${ids.join(', ')}`,
          params: { rules: ids },
        },
        actor,
      );
      await service.evaluate();
      return { ok: true, problems: [], applied: parsed.rules.map((r) => r.rule.id) };
    },
  };
  return service;
}
export type GovernanceService = ReturnType<typeof createGovernanceService>;
