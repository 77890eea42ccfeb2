import type { Connection } from 'mongoose';
import type { OnAuditWritten } from './auditWriter';
import { createModels, syncIndexes } from '../models';
import { createAgentsRepo } from './agents.repo';
import { createApprovalsRepo } from './approvals.repo';
import { createAuditRepo } from './audit.repo';
import { createPoliciesRepo } from './policies.repo';
import { createPolicyFactsRepo } from './policyFacts.repo';
import { createPolicyHistoryRepo } from './policyHistory.repo';
import { createProposalsRepo } from './proposals.repo';
import { createInvestigationRepo } from './investigation.repo';
import { createLeasesRepo } from './leases.repo';
import { createGraphRepo } from './graph.repo';
import { createToolPinsRepo } from './toolPins.repo';
import { createRollupsRepo } from './rollups.repo';
import type { OnResults } from './outcomeWriter';
import { createAnomaliesRepo } from './anomalies.repo';
import { createGovernanceRepo } from './governance.repo';
import { createManifestFactsRepo } from './manifestFacts.repo';
import { createExportRepo } from './export.repo';

/** Every governance repo on one connection. Only repos touch models. */
export async function createRepos(
  conn: Connection,
  opts: {
    onAuditWritten: OnAuditWritten;
    /** Result findings an outcome report added to an entry already written (by this server). */
    onResultsWritten?: OnResults;
    /** Stamped on every audit entry this process writes (the change feed's server id). */
    writerId?: string;
  },
) {
  const models = createModels(conn);
  await syncIndexes(models);
  const agents = createAgentsRepo(models.agents);
  const policies = createPoliciesRepo(models.policies);
  const audit = createAuditRepo(
    models.audit,
    models.counters,
    models.auditOutcomes,
    opts.onAuditWritten,
    opts.writerId,
    opts.onResultsWritten,
  );
  const approvals = createApprovalsRepo(models.approvals, models.counters);
  const proposals = createProposalsRepo(models.proposals, models.counters);
  const policyHistory = createPolicyHistoryRepo(models.policyVersions);
  const policyFacts = createPolicyFactsRepo(models.audit);
  const investigation = createInvestigationRepo(models.audit, models.policyVersions);
  const leases = createLeasesRepo(models.leases);
  const graph = createGraphRepo(models.audit);
  const toolPins = createToolPinsRepo(models.toolPins);
  const rollups = createRollupsRepo(models.rollups, models.audit, models.approvals);
  const anomalies = createAnomaliesRepo(models.anomalies);
  const governance = createGovernanceRepo({
    declarations: models.declarations,
    rules: models.governanceRules,
    violations: models.violations,
  });
  const manifestFacts = createManifestFactsRepo(models.audit, models.approvals);
  const exports = createExportRepo(models.audit, models.approvals, models.auditOutcomes);
  return {
    agents,
    policies,
    audit,
    approvals,
    proposals,
    policyHistory,
    policyFacts,
    investigation,
    leases,
    graph,
    toolPins,
    rollups,
    anomalies,
    governance,
    manifestFacts,
    exports,
    /** Wipes governance data (demo reset). Counters stay, so ids keep growing (see IdAllocator.reset). */
    async resetGovernance(): Promise<void> {
      await audit.drain();
      await Promise.all([
        agents.deleteAll(),
        policies.deleteAll(),
        audit.deleteAll(),
        approvals.deleteAll(),
        proposals.deleteAll(),
        policyHistory.deleteAll(),
        toolPins.deleteAll(),
        rollups.deleteAll(),
        anomalies.deleteAll(),
        governance.deleteAll(),
      ]);
    },
  };
}
export type Repos = Awaited<ReturnType<typeof createRepos>>;
