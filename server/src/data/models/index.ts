import type { Connection } from 'mongoose';
import { agentModel } from './agent.model';
import { approvalModel } from './approval.model';
import { auditModel, LEGACY_DETECTOR_INDEX } from './audit.model';
import { auditOutcomeModel } from './auditOutcome.model';
import { counterModel } from './counter.model';
import { declarationModel } from './declaration.model';
import { governanceRuleModel, violationModel } from './governance.model';
import { leaseModel } from './lease.model';
import { policyModel } from './policy.model';
import { policyVersionModel } from './policyVersion.model';
import { proposalModel } from './proposal.model';
import { LEGACY_PIN_INDEX, toolPinModel } from './toolPin.model';
import { rollupModel } from './rollup.model';
import { anomalyModel } from './anomaly.model';

/** The governance models, registered on one dedicated connection (never mongoose's global one). */
export function createModels(conn: Connection) {
  return {
    agents: agentModel(conn),
    policies: policyModel(conn),
    audit: auditModel(conn),
    auditOutcomes: auditOutcomeModel(conn),
    approvals: approvalModel(conn),
    counters: counterModel(conn),
    leases: leaseModel(conn),
    proposals: proposalModel(conn),
    policyVersions: policyVersionModel(conn),
    toolPins: toolPinModel(conn),
    rollups: rollupModel(conn),
    anomalies: anomalyModel(conn),
    declarations: declarationModel(conn),
    governanceRules: governanceRuleModel(conn),
    violations: violationModel(conn),
  };
}
export type Models = ReturnType<typeof createModels>;

/** Builds every declared index; run once at start-up (autoIndex is off so tests don't race it). */
export async function syncIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models)) await model.createIndexes();
  // An index this version replaced: it only cost writes (see audit.model.ts).
  await dropIndexIfAny(models.audit, LEGACY_DETECTOR_INDEX);
  // One pin per tool across agents: it would refuse a second agent's own pin (toolPin.model.ts).
  await dropIndexIfAny(models.toolPins, LEGACY_PIN_INDEX);
}

async function dropIndexIfAny(model: Models[keyof Models], name: string): Promise<void> {
  const indexes = await model.collection.indexes();
  if (indexes.some((ix) => ix.name === name))
    await model.collection.dropIndex(name).catch((error: unknown) => {
      // Another server dropped it first.
      if ((error as { codeName?: unknown }).codeName !== 'IndexNotFound') throw error;
    });
}
