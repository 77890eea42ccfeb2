import { DomainError, type PolicyProposal, type Principal, type RuleChange } from '@aegis/shared';
import { ACTION, noteAction } from './actions';
import type { ServiceDeps } from './deps';
import type { PolicyService } from './policies';
import type { Services } from './types';

const describe = (c: RuleChange) => `${c.action}: ${c.from ?? 'no rule'} → ${c.to ?? 'no rule'}`;

/** Proposed policy changes: listed for everyone who reads, accepted or rejected by an admin, once. */
export function createProposalService(
  deps: ServiceDeps,
  policies: PolicyService,
): Pick<Services['policies'], 'proposals' | 'acceptProposal' | 'rejectProposal'> {
  const { repos, bus } = deps;

  async function pending(id: number) {
    const doc = await repos.proposals.get(id);
    if (!doc) throw new DomainError('UNKNOWN_PROPOSAL', `Proposal #${id} does not exist`);
    if (doc.status !== 'PENDING') {
      const by = doc.decidedBy ? ` by ${doc.decidedBy}` : '';
      throw new DomainError('ALREADY_DECIDED', `Proposal #${id} was already ${doc.status.toLowerCase()}${by}`);
    }
    return doc;
  }

  function announce(proposal: PolicyProposal): PolicyProposal {
    bus.emitChange({ type: 'proposal.decided', agent: proposal.agent, proposal });
    return proposal;
  }

  return {
    proposals: async (query) => repos.proposals.list(query),

    async acceptProposal(id: number, actor: Principal) {
      const doc = await pending(id);
      let decided: PolicyProposal | null = null;
      let applied: RuleChange[] = [];
      const policy = await policies.change(doc.agent, async () => {
        const won = await repos.proposals.decide(id, 'ACCEPTED', actor.name);
        if (!won) return false;
        decided = won;
        // a person's rule set since the proposal was made still wins
        const byPerson = new Set(
          (await repos.policies.forAgent(doc.agent)).filter((r) => r.source !== 'code').map((r) => r.action),
        );
        applied = won.changes.filter((c) => !byPerson.has(c.action));
        await repos.policies.applyCodeChanges(doc.agent, applied);
        return applied.length > 0;
      });
      if (!decided) return pending(id); // lost a race: pending() says to whom
      await noteAction(
        repos,
        {
          agent: doc.agent,
          status: 'POLICY',
          action: ACTION.proposalAccept,
          details: `Proposal #${id} accepted by ${actor.name} (policy v${policy.version}): ${applied.map(describe).join('; ') || 'nothing left to change'}`,
          params: { proposal: id, changes: applied, version: policy.version },
        },
        actor,
      );
      return announce(decided);
    },

    async rejectProposal(id: number, actor: Principal) {
      const doc = await pending(id);
      const won = await repos.proposals.decide(id, 'REJECTED', actor.name);
      if (!won) return pending(id);
      await noteAction(
        repos,
        {
          agent: doc.agent,
          status: 'POLICY',
          action: ACTION.proposalReject,
          details: `Proposal #${id} rejected by ${actor.name}: ${doc.changes.map(describe).join('; ')}`,
          params: { proposal: id, changes: doc.changes },
        },
        actor,
      );
      return announce(won);
    },
  };
}
