import type { Repos } from '../data/repos';
import type { ServiceHooks } from '../services/deps';
import type { Services } from '../services/types';
import type { AegisMetrics } from './metrics';
import { inSpan } from '@aegis/shared';
import { tracer } from './tracing';

/**
 * Wraps the decision and approval entry points once, so every path to them (tRPC, REST, the fast
 * path) is measured and traced without each knowing about it. Spans cost nothing but a no-op
 * `startSpan` while tracing is off (observability/tracing.ts).
 */
export function instrumentServices(services: Services, metrics: AegisMetrics): void {
  const decisions = services.decisions;
  const decide = decisions.decide.bind(decisions);
  services.decisions.decide = (input, actor, opts) =>
    inSpan(
      tracer,
      'aegis.decision',
      () => ({ 'gen_ai.agent.name': input.agent, 'gen_ai.tool.name': input.action }),
      async (span) => {
        const started = performance.now();
        const decision = await decide(input, actor, opts);
        metrics.decided(
          decision.verdict,
          input.agent,
          input.action,
          (performance.now() - started) / 1000,
        );
        span?.setAttributes({
          'aegis.verdict': decision.verdict,
          'aegis.policy_version': decision.policyVersion,
          'aegis.audit_id': decision.auditId,
          ...(decision.rule ? { 'aegis.rule': decision.rule.id } : {}),
          ...(decision.approvalId !== null ? { 'aegis.approval_id': decision.approvalId } : {}),
        });
        return decision;
      },
    );
  const approvals = services.approvals;
  const decideApproval = approvals.decide.bind(approvals);
  services.approvals.decide = async (id, decision, remember, actor, comment, options) => {
    const approval = await decideApproval(id, decision, remember, actor, comment, options);
    metrics.approvalDecided(approval.status, approval.createdAt, approval.decidedAt);
    return approval;
  };
}

/** The hooks the services call with what they measured (the notifier adds its own later). */
export function withMetricHooks(hooks: ServiceHooks, metrics: AegisMetrics): ServiceHooks {
  hooks.policyEvaluated = (seconds, facts) => metrics.policyEvaluated(seconds, facts);
  return hooks;
}

/** A span per audit entry from queueing to stored (group commit: several share one insert). */
export function traceAuditWrites(audit: Repos['audit']): void {
  const write = audit.write.bind(audit);
  audit.write = (record) =>
    inSpan(
      tracer,
      'aegis.audit.write',
      () => ({
        'db.operation.name': 'insert',
        'db.collection.name': 'audit_log',
        'aegis.status': record.status,
      }),
      async (span) => {
        const entry = await write(record);
        span?.setAttribute('aegis.audit_id', entry.id);
        return entry;
      },
    );
}
