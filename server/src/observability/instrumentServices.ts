import type { Services } from '../services/types';
import type { AegisMetrics } from './metrics';

/**
 * Wraps the decision and approval entry points once, so every path to them (tRPC, REST, the fast
 * path) is measured without each knowing about metrics.
 */
export function instrumentServices(services: Services, metrics: AegisMetrics): void {
  const decisions = services.decisions;
  const decide = decisions.decide.bind(decisions);
  services.decisions.decide = async (input, actor) => {
    const started = performance.now();
    const decision = await decide(input, actor);
    metrics.decided(decision.verdict, input.agent, input.action, (performance.now() - started) / 1000);
    return decision;
  };
  const approvals = services.approvals;
  const decideApproval = approvals.decide.bind(approvals);
  services.approvals.decide = async (id, decision, remember, actor) => {
    const approval = await decideApproval(id, decision, remember, actor);
    metrics.approvalDecided(approval.status, approval.createdAt, approval.decidedAt);
    return approval;
  };
}
