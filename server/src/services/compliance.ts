import type { Principal } from '@aegis/shared';
import type { ExportRange, ExportRow } from '../data/repos/export.repo';
import {
  DISCLAIMER,
  SECTION_CONTROLS,
  factSheet,
  trailVerification,
  type ControlRow,
  type ReportHead,
} from '../export/report';
import type { ServiceDeps } from './deps';
import type { GovernanceService } from './governance';
import type { ManifestService } from './manifests';

const MAX_LISTED = 10_000;
const POLICY_VERSIONS = 50;

/** The compliance export: a report head (small) and the audit trail as a stream. */
export function createComplianceService(
  deps: ServiceDeps,
  parts: {
    manifests: ManifestService;
    governance: GovernanceService;
    policyHistory: (
      agent: string | null,
      limit: number,
    ) => Promise<ReportHead['policies'][number]['versions']>;
    verify: () => Promise<{
      ok: boolean;
      checked: number;
      firstBad: { id: number; reason: string } | null;
    }>;
  },
) {
  const { repos } = deps;
  // Reports asked for at the same time share one walk of the chain (the costly part of a head).
  let verifying: ReturnType<typeof parts.verify> | null = null;
  const verifyShared = () =>
    (verifying ??= parts.verify().finally(() => {
      verifying = null;
    }));
  return {
    async head(range: ExportRange, actor: Principal): Promise<ReportHead> {
      const all = (await repos.agents.list()).map((a) => a.name);
      const agents = range.agents ? all.filter((a) => range.agents?.includes(a)) : all;
      // Without a choice of agents the trail is whole (people's actions on keys included), so its
      // last entry is the chain head; with one, it is those agents' entries.
      const scoped = { ...range, agents: range.agents ? agents : undefined };
      const [chain, head, outcomeHead, count, manifests, violations, approvals, rules] =
        await Promise.all([
          verifyShared(),
          repos.exports.head(),
          repos.exports.outcomeHead(),
          repos.exports.count(scoped),
          parts.manifests.build(agents),
          parts.governance.list({ limit: MAX_LISTED }),
          repos.exports.approvals(scoped, MAX_LISTED),
          parts.governance.rules(),
        ]);
      const resolved = await parts.governance.list({ status: 'RESOLVED', limit: MAX_LISTED });
      const mine = [...violations.violations, ...resolved.violations].filter((v) =>
        agents.includes(v.agent),
      );
      const policies = await Promise.all(
        [null, ...agents].map(async (agent) => ({
          agent,
          versions: await parts.policyHistory(agent, POLICY_VERSIONS).catch(() => []),
        })),
      );
      const peopleActions: ExportRow[] = [];
      for await (const row of repos.exports.entries(scoped, { source: 'person' })) {
        if (peopleActions.length >= MAX_LISTED) break;
        peopleActions.push(row);
      }
      const ruleControls: ControlRow[] = rules.map(({ rule }) => ({
        section: `Governance rule ${rule.id} (${rule.severity})`,
        soc2: rule.controls.soc2 ?? [],
        gdpr: rule.controls.gdpr ?? [],
        hipaa: rule.controls.hipaa ?? [],
      }));
      return {
        title: 'Aegis compliance report',
        generatedAt: new Date().toISOString(),
        generatedBy: actor.name,
        range: { from: range.from.toISOString(), to: range.to.toISOString() },
        agents,
        chain: { ...chain, headId: head?.id ?? null, headHash: head?.hash ?? null },
        auditEntries: count,
        verification: trailVerification(range.agents ? agents : null, outcomeHead),
        factSheets: manifests.map((m) => factSheet(m, mine)),
        manifests,
        policies,
        violations: mine,
        approvals,
        peopleActions,
        controls: [...SECTION_CONTROLS, ...ruleControls],
        disclaimer: DISCLAIMER,
      };
    },
    /** A whole-log trail is carried without gaps (see the repo), so every link can be checked. */
    entries: (range: ExportRange) =>
      repos.exports.entries(range, {}, { contiguous: !range.agents }),
  };
}
export type ComplianceService = ReturnType<typeof createComplianceService>;
