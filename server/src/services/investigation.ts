import { DomainError, type AuditDetail, type AuditEntry } from '@aegis/shared';
import type { ServiceDeps } from './deps';
import type { Services } from './types';

const NEIGHBOURS = 5;

/** What an investigator opens: one entry with its whole call, its approval and its neighbours. */
export function createInvestigationService(
  deps: ServiceDeps,
  approvals: Pick<Services['approvals'], 'get'>,
): Services['investigation'] {
  const { repos } = deps;

  /**
   * The approval holding an allowed call's result, found by its binding: until a reviewer
   * releases or withholds it no entry names it, and the call's page would say nothing of it.
   */
  async function resultHold(entry: AuditEntry): Promise<number | null> {
    if (entry.status !== 'ALLOWED' || !entry.callId || !entry.agent) return null;
    const { argsHash } = deps.bind({ name: entry.agent, version: 0 }, entry.action, {
      'aegis:result-of': entry.callId,
    });
    return (await repos.approvals.resultHoldOf(entry.agent, entry.action, argsHash))?.id ?? null;
  }

  return {
    async approvalContext(approvalId) {
      const held = await repos.investigation.heldEntry(approvalId);
      if (!held) return { runId: null, calls: [] };
      const calls = held.runId
        ? await repos.investigation.runBefore(held.runId, held.id, NEIGHBOURS)
        : (await repos.investigation.around(held.agent, held.id, NEIGHBOURS)).before;
      return { runId: held.runId ?? null, calls };
    },

    async detail(id): Promise<AuditDetail> {
      const entry = await repos.investigation.entry(id);
      if (!entry) throw new DomainError('UNKNOWN_ENTRY', `Audit entry #${id} does not exist`);
      // Two hops: the entry's call and approval, then whatever else those entries name (the
      // call an approval let through carries the approval's id but a call id of its own).
      const first = await repos.investigation.linked(
        entry.callId ? [entry.callId] : [],
        entry.approvalId ? [entry.approvalId] : [],
      );
      const callIds = new Set(first.flatMap((e) => (e.callId ? [e.callId] : [])));
      const approvalIds = new Set(first.flatMap((e) => (e.approvalId ? [e.approvalId] : [])));
      const trace =
        first.length === 0
          ? [entry]
          : await repos.investigation.linked([...callIds], [...approvalIds]);
      const approvalId =
        entry.approvalId ?? [...approvalIds][0] ?? (await resultHold(entry)) ?? null;
      const [approval, around, version] = await Promise.all([
        // An approval deleted since (a governance reset) leaves the entry readable.
        approvalId ? approvals.get(approvalId).catch(() => null) : null,
        entry.agent ? repos.investigation.around(entry.agent, id, NEIGHBOURS) : null,
        entry.agent ? repos.investigation.policyVersionAt(entry.agent, new Date(entry.timestamp)) : null,
      ]);
      return {
        entry,
        trace,
        approval,
        policyVersion: approval?.policyVersion ?? version,
        before: around?.before ?? [],
        after: around?.after ?? [],
      };
    },
  };
}
