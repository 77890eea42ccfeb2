/**
 * The authorization matrix: every tRPC procedure and REST path, who may call it, and a valid
 * request for it — valid so that a refusal is proof of the access check, not of bad input.
 */
import type { Credential, HttpResult, ProcedureKind } from './harness';
import { rest, trpc } from './harness';

export const WHO = [
  'admin',
  'reviewer',
  'viewer',
  'agentIn',
  'agentOut',
  'none',
  'revoked',
  'expiredSession',
] as const;
export type Who = (typeof WHO)[number];
/** Principals without a valid credential: always 401. */
export const UNAUTHENTICATED: readonly Who[] = ['none', 'revoked', 'expiredSession'];

const people: Who[] = ['admin', 'reviewer', 'viewer'];
export const ROLE = {
  public: [...WHO],
  authed: [...people, 'agentIn', 'agentOut'],
  viewer: people,
  reviewer: ['admin', 'reviewer'],
  admin: ['admin'],
  /** SDK procedures for agent "alpha": its own key and admins. */
  sdk: ['admin', 'agentIn'],
  /** SDK procedures that name no agent. */
  anyAgent: ['admin', 'agentIn', 'agentOut'],
  /** The kill-switch's off → on: reviewers, and the agent's own key (it may pause, never revive). */
  pause: ['admin', 'reviewer', 'agentIn'],
  /** An agent's SDK-facing state: its own key and every person. */
  read: [...people, 'agentIn'],
} satisfies Record<string, Who[]>;

/** What the cases need: fresh fixtures created through the admin key. */
export interface Fixtures {
  /** A new PENDING approval of agent alpha. */
  approval(): Promise<number>;
  /** A new approval of alpha's whose LangGraph run is paused on it, approved (review by interrupt). */
  decidedPausedRun(): Promise<number>;
  /** The audit entry id of a new ALLOWED decision of alpha. */
  auditId(): Promise<number>;
  /** A new PENDING policy proposal for alpha (its own key asking for a new ALLOW). */
  proposal(): Promise<number>;
  /** The call id of a new ALLOWED decision of alpha, ready for `complete`. */
  allowedCallId(): Promise<string>;
  /** A tool of a new upstream whose changed version waits for an admin (its hash). */
  heldPin(): Promise<{ upstream: string; tool: string; hash: string }>;
  /** The id of a stored anomaly of alpha's (written as the anomaly watcher stores one). */
  anomaly(): Promise<string>;
  /** The id of a new viewer key nobody uses. */
  throwawayKeyId(): Promise<string>;
  /** Sets one rule of alpha as the admin. */
  setRule(action: string, rule: 'ALLOW' | 'BLOCK' | 'REVIEW'): Promise<void>;
  /** Puts alpha back to ACTIVE after a kill-switch case. */
  reactivate(): Promise<void>;
  /** Writes an audit entry and a policy change for both alpha and beta (events for subscribers). */
  touchAgents(): Promise<void>;
  unique(): number;
  /** A fresh e-mail channel (no SMTP here: its deliveries fail at once, for good). */
  channel(): Promise<string>;
  /** Waits until no delivery is pending or being sent (so later snapshots hold still). */
  deliveriesSettled(): Promise<void>;
}

export interface MatrixCase {
  name: string;
  allowed: readonly Who[];
  /**
   * Creates what one attempt needs; returns the request to send with a credential. `allowed`
   * says whether this attempt should succeed (subscriptions then make an event to receive).
   */
  prepare(fx: Fixtures): Promise<(cred: Credential, allowed: boolean) => Promise<HttpResult>>;
  after?(fx: Fixtures): Promise<void>;
  /** The answer a refused principal gets instead of 403 (see {@link unknownToOthers}). */
  refusedAs?: Partial<Record<Who, number>>;
}

/**
 * A thing named by its id (an approval, a call) belonging to agent alpha: another agent's key is
 * answered as if it did not exist (`status`: 404, or the seed's 200 "unknown"), since a 403 would
 * name alpha to whoever walks the ids.
 */
export function unknownToOthers(c: MatrixCase, status = 404): MatrixCase {
  return { ...c, refusedAs: { agentOut: status } };
}

type Input = (fx: Fixtures) => unknown;

export function t(
  url: string,
  path: string,
  kind: ProcedureKind,
  allowed: readonly Who[],
  input?: Input,
  after?: (fx: Fixtures) => Promise<void>,
): MatrixCase {
  return {
    name: `trpc ${path}`,
    allowed,
    async prepare(fx) {
      const value = await input?.(fx);
      return (cred, ok) =>
        trpc(
          url,
          path,
          kind,
          value,
          cred,
          ok && kind === 'subscription' ? () => fx.touchAgents() : undefined,
        );
    },
    after,
  };
}

export function r(
  url: string,
  method: string,
  path: string | ((fx: Fixtures) => Promise<string>),
  allowed: readonly Who[],
  body?: Input,
  after?: (fx: Fixtures) => Promise<void>,
): MatrixCase {
  return {
    name: `REST ${method} ${typeof path === 'string' ? path : path.name}`,
    allowed,
    async prepare(fx) {
      const resolved = typeof path === 'string' ? path : await path(fx);
      const value = await body?.(fx);
      return (cred) => rest(url, method, resolved, value, cred);
    },
    after,
  };
}

export const reactivate = (fx: Fixtures) => fx.reactivate();
const alpha = { agent: 'alpha' };
/** A rule document for alpha that only tightens it (dry runs and replays use it). */
export const ALPHA_RULES =
  'kind: AgentPolicy\nagent: alpha\nrules:\n  - { id: no-drop, actions: [drop_all], effect: BLOCK }\n';

export function trpcCases(url: string): MatrixCase[] {
  return [
    t(url, 'health.check', 'query', ROLE.public),
    t(url, 'health.whoami', 'query', ROLE.authed),
    t(url, 'auth.logout', 'mutation', ROLE.authed),
    t(url, 'keys.create', 'mutation', ROLE.admin, (fx) => ({
      name: `k${fx.unique()}`,
      role: 'viewer',
      agents: null,
    })),
    t(url, 'keys.list', 'query', ROLE.admin),
    t(url, 'keys.revoke', 'mutation', ROLE.admin, async (fx) => ({
      id: await fx.throwawayKeyId(),
    })),
    t(url, 'agents.list', 'query', ROLE.viewer),
    t(url, 'agents.byName', 'query', ROLE.viewer, () => ({ name: 'alpha' })),
    t(
      url,
      'agents.setStatus',
      'mutation',
      ROLE.pause,
      () => ({ name: 'alpha', status: 'PAUSED' }),
      reactivate,
    ),
    t(url, 'policies.forAgent', 'query', ROLE.viewer, () => alpha),
    t(url, 'policies.rules', 'query', ROLE.viewer, () => alpha),
    t(url, 'policies.set', 'mutation', ROLE.admin, (fx) => ({
      agent: 'alpha',
      action: `act_${fx.unique()}`,
      rule: 'BLOCK',
    })),
    t(url, 'policies.remove', 'mutation', ROLE.admin, async (fx) => {
      const action = `gone_${fx.unique()}`;
      await fx.setRule(action, 'ALLOW');
      return { agent: 'alpha', action };
    }),
    t(url, 'policies.proposals', 'query', ROLE.viewer, () => ({})),
    t(url, 'policies.acceptProposal', 'mutation', ROLE.admin, async (fx) => ({
      id: await fx.proposal(),
    })),
    t(url, 'policies.rejectProposal', 'mutation', ROLE.admin, async (fx) => ({
      id: await fx.proposal(),
    })),
    t(url, 'policies.document', 'query', ROLE.viewer, () => alpha),
    t(url, 'policies.history', 'query', ROLE.viewer, () => alpha),
    t(url, 'policies.applyRules', 'mutation', ROLE.admin, () => ({
      yaml: ALPHA_RULES,
      dryRun: true,
    })),
    t(url, 'policies.rollback', 'mutation', ROLE.admin, () => ({ agent: 'alpha', version: 1 })),
    t(url, 'policies.tryCall', 'mutation', ROLE.viewer, () => ({ agent: 'alpha', action: 'read' })),
    t(url, 'policies.replay', 'mutation', ROLE.admin, () => ({ yaml: ALPHA_RULES, sinceHours: 1 })),
    t(url, 'audit.verify', 'query', ROLE.admin),
    t(url, 'audit.list', 'query', ROLE.viewer, () => ({})),
    t(url, 'audit.count', 'query', ROLE.viewer, () => ({})),
    t(url, 'audit.detail', 'query', ROLE.viewer, async (fx) => ({ id: await fx.auditId() })),
    t(url, 'audit.onEntry', 'subscription', ROLE.viewer, () => alpha),
    t(url, 'approvals.pending', 'query', ROLE.viewer),
    t(url, 'approvals.list', 'query', ROLE.viewer, () => ({})),
    t(url, 'approvals.byId', 'query', ROLE.viewer, async (fx) => ({ id: await fx.approval() })),
    t(url, 'approvals.context', 'query', ROLE.viewer, async (fx) => ({ id: await fx.approval() })),
    t(url, 'approvals.reveal', 'mutation', ROLE.admin, async (fx) => ({ id: await fx.approval() })),
    t(url, 'approvals.decide', 'mutation', ROLE.reviewer, async (fx) => ({
      id: await fx.approval(),
      decision: 'APPROVED',
    })),
    t(url, 'changes.onChange', 'subscription', ROLE.authed),
    t(url, 'stats.get', 'query', ROLE.viewer),
    t(url, 'stats.timeline', 'query', ROLE.viewer, () => ({ hours: 24 })),
    t(url, 'graph.get', 'query', ROLE.viewer, () => ({ range: '24h' })),
    t(url, 'manifests.get', 'query', ROLE.viewer, () => ({ agent: 'alpha' })),
    t(url, 'manifests.export', 'query', ROLE.viewer, () => ({
      agent: 'alpha',
      format: 'cyclonedx',
    })),
    t(url, 'manifests.declareTools', 'mutation', ROLE.sdk, () => ({
      agent: 'alpha',
      tools: [{ name: 'read_balance', tags: ['financial'] }],
    })),
    t(url, 'governance.violations', 'query', ROLE.viewer, () => ({})),
    t(url, 'governance.rules', 'query', ROLE.viewer),
    t(url, 'governance.applyRules', 'mutation', ROLE.admin, () => ({
      yaml: 'kind: GovernanceRule\nid: matrix\ndescription: d\nseverity: low\nwhen: "false"',
      dryRun: true,
    })),
    t(url, 'governance.evaluate', 'mutation', ROLE.admin, () => ({ agents: ['alpha'] })),
    t(url, 'governance.acknowledge', 'mutation', ROLE.reviewer, () => ({
      key: 'owner-required|alpha|',
      reason: 'matrix',
    })),
    t(url, 'analytics.decisions', 'query', ROLE.viewer, () => ({ range: '24h' })),
    t(url, 'analytics.approvals', 'query', ROLE.viewer, () => ({ range: '24h' })),
    t(url, 'analytics.rules', 'query', ROLE.viewer, () => ({ range: '24h' })),
    t(url, 'analytics.dlp', 'query', ROLE.viewer, () => ({ range: '24h' })),
    t(url, 'analytics.anomalies', 'query', ROLE.viewer, () => ({ range: '24h' })),
    t(url, 'analytics.anomaly', 'query', ROLE.viewer, async (fx) => ({ id: await fx.anomaly() })),
    t(url, 'analytics.rebuild', 'mutation', ROLE.admin),
    t(url, 'sdk.registerAgent', 'mutation', ROLE.sdk, (fx) => ({
      name: 'alpha',
      description: `changed ${fx.unique()}`,
      allows: ['read_balance'],
      blocks: ['wire_transfer'],
      review: ['refund'],
    })),
    t(url, 'sdk.decide', 'mutation', ROLE.sdk, () => ({
      agent: 'alpha',
      action: 'read_balance',
      args: { account: 1 },
    })),
    unknownToOthers(
      t(url, 'sdk.complete', 'mutation', ROLE.sdk, async (fx) => ({
        callId: await fx.allowedCallId(),
        outcome: 'ok',
        durationMs: 3,
      })),
    ),
    t(url, 'sdk.agentStatus', 'query', ROLE.sdk, () => ({ name: 'alpha' })),
    t(url, 'sdk.snapshot', 'query', ROLE.sdk, () => ({ agents: ['alpha'] })),
    t(url, 'sdk.log', 'mutation', ROLE.sdk, () => ({
      agent: 'alpha',
      action: 'read_balance',
      status: 'ALLOWED',
      details: 'x',
    })),
    t(url, 'sdk.recordBatch', 'mutation', ROLE.sdk, (fx) => ({
      entries: [
        {
          entryKey: `entry_${fx.unique()}_matrix`,
          agent: 'alpha',
          action: 'read_balance',
          status: 'ALLOWED',
          details: 'local',
          callId: `call_${fx.unique()}_matrix`,
          args: {},
          decidedAt: new Date().toISOString(),
          policyVersion: 1,
          rule: { id: 'seed-allowed', scope: 'agent', version: 1 },
        },
      ],
    })),
    unknownToOthers(
      t(url, 'sdk.approvalStatus', 'query', ROLE.sdk, async (fx) => ({ id: await fx.approval() })),
    ),
    unknownToOthers(
      t(url, 'sdk.approvalTimeout', 'mutation', ROLE.sdk, async (fx) => ({
        id: await fx.approval(),
      })),
    ),
    t(url, 'sdk.whoami', 'query', ROLE.anyAgent),
    t(url, 'sdk.result', 'mutation', ROLE.sdk, async (fx) => ({
      agent: 'alpha',
      action: 'read_balance',
      callId: await fx.allowedCallId(),
      findings: [],
      preview: '{}',
    })),
    t(url, 'toolPins.check', 'mutation', ROLE.sdk, (fx) => ({
      agent: 'alpha',
      upstream: `up${fx.unique()}`,
      tools: [{ name: 'echo', definition: { name: 'echo', description: 'Echoes' } }],
    })),
    t(url, 'toolPins.list', 'query', ROLE.viewer, () => ({ changedOnly: true })),
    t(url, 'toolPins.accept', 'mutation', ROLE.admin, (fx) => fx.heldPin()),
    t(url, 'channels.list', 'query', ROLE.admin),
    t(url, 'channels.create', 'mutation', ROLE.admin, (fx) => ({
      name: `c${fx.unique()}`,
      kind: 'email',
      to: ['rita@example.com'],
    })),
    t(url, 'channels.remove', 'mutation', ROLE.admin, async (fx) => ({ name: await fx.channel() })),
    t(
      url,
      'channels.test',
      'mutation',
      ROLE.admin,
      async (fx) => ({ name: await fx.channel() }),
      (fx) => fx.deliveriesSettled(),
    ),
    t(url, 'channels.deliveries', 'query', ROLE.admin, () => ({ limit: 5 })),
    t(url, 'sdk.unresumedRuns', 'query', ROLE.anyAgent, () => ({ limit: 5 })),
    unknownToOthers(
      t(url, 'sdk.markResumed', 'mutation', ROLE.sdk, async (fx) => ({
        id: await fx.decidedPausedRun(),
      })),
    ),
  ];
}
