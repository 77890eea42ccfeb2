import { canonicalJson, type ActionStatus, type AuditEntry, type Principal } from '@aegis/shared';
import type { Repos } from '../data/repos';

/**
 * What people do, as the audit log's `action` names it. The `aegis:` prefix can't be an agent's
 * tool: action names allow `:`, but an agent can't log these entries (their statuses are not
 * loggable), so the namespace stays the server's.
 */
export const ACTION = {
  kill: 'aegis:kill',
  revive: 'aegis:revive',
  policy: 'aegis:policy',
  policyApply: 'aegis:policy-apply',
  policyRollback: 'aegis:policy-rollback',
  alwaysAllow: 'aegis:always-allow',
  alwaysBlock: 'aegis:always-block',
  register: 'aegis:register',
  propose: 'aegis:propose',
  proposalAccept: 'aegis:proposal-accept',
  proposalReject: 'aegis:proposal-reject',
  keyCreate: 'aegis:key-create',
  keyRevoke: 'aegis:key-revoke',
  login: 'aegis:login',
  logout: 'aegis:logout',
  demoReset: 'aegis:demo-reset',
  analyticsRebuild: 'aegis:analytics-rebuild',
  channelAdd: 'aegis:channel-add',
  violationAck: 'aegis:violation-ack',
  governanceRules: 'aegis:governance-rules',
  channelRemove: 'aegis:channel-remove',
  reveal: 'aegis:reveal-args',
  manifest: 'aegis:manifest',
} as const;

export interface ActionNote {
  /** The agent it is about; '' for actions about no one agent (keys, sign-in, demo reset). */
  agent: string;
  status: ActionStatus;
  action: (typeof ACTION)[keyof typeof ACTION];
  details: string;
  /** Machine-readable particulars (e.g. a rule's old and new value), stored as the entry's preview. */
  params?: Record<string, unknown> | null;
  approvalId?: number | null;
  callId?: string | null;
}

/**
 * Records something a person did — or an agent key did to its own agent (a self-pause, a
 * registration): `source` person or agent, the actor's name, never one of the agent's calls.
 */
export function noteAction(
  repos: Pick<Repos, 'audit'>,
  note: ActionNote,
  actor: Principal,
): Promise<AuditEntry> {
  return repos.audit.write({
    timestamp: new Date(),
    agent: note.agent,
    action: note.action,
    status: note.status,
    source: actor.role === 'agent' ? 'agent' : 'person',
    actor: actor.name,
    details: note.details,
    callId: note.callId ?? null,
    approvalId: note.approvalId ?? null,
    argsPreview: note.params ? canonicalJson(note.params) : null,
  });
}
