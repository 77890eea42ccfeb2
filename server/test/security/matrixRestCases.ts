/** The REST half of the authorization matrix: every path of the OpenAPI document. */
import {
  ALPHA_RULES,
  r,
  reactivate,
  ROLE,
  t,
  unknownToOthers,
  type Fixtures,
  type MatrixCase,
} from './matrixCases';

export function restCases(url: string): MatrixCase[] {
  const approvalPath = (make: (id: number) => string) =>
    Object.defineProperty(async (fx: Fixtures) => make(await fx.approval()), 'name', {
      value: make(0).replace('/0', '/{id}'),
    });
  const proposalPath = (verb: string) =>
    Object.defineProperty(
      async (fx: Fixtures) => `/policy-proposals/${await fx.proposal()}/${verb}`,
      'name',
      {
        value: `/policy-proposals/{id}/${verb}`,
      },
    );
  return [
    r(url, 'GET', '/health', ROLE.public),
    r(url, 'GET', '/policy-proposals', ROLE.viewer),
    r(url, 'POST', proposalPath('accept'), ROLE.admin),
    r(url, 'POST', proposalPath('reject'), ROLE.admin),
    r(url, 'GET', '/policy-documents', ROLE.viewer),
    r(url, 'GET', '/policy-documents/history', ROLE.viewer),
    r(url, 'POST', '/policy-documents/apply', ROLE.admin, () => ({
      yaml: ALPHA_RULES,
      dryRun: true,
    })),
    r(url, 'POST', '/policy-documents/rollback', ROLE.admin, () => ({
      agent: 'alpha',
      version: 1,
    })),
    r(url, 'POST', '/policy-documents/try', ROLE.viewer, () => ({
      agent: 'alpha',
      action: 'read',
    })),
    r(url, 'POST', '/policy-documents/replay', ROLE.admin, () => ({
      yaml: ALPHA_RULES,
      sinceHours: 1,
    })),
    r(url, 'GET', '/stats', ROLE.viewer),
    r(url, 'GET', '/agents/alpha/manifest', ROLE.viewer),
    r(url, 'GET', '/agents/alpha/manifest/export?format=json', ROLE.viewer),
    r(url, 'GET', '/governance/violations', ROLE.viewer),
    r(url, 'POST', '/governance/acknowledge', ROLE.reviewer, () => ({
      key: 'owner-required|alpha|',
      reason: 'matrix',
    })),
    r(url, 'POST', '/governance/rules/apply', ROLE.admin, () => ({
      yaml: 'kind: GovernanceRule\nid: matrix\ndescription: d\nseverity: low\nwhen: "false"',
      dryRun: true,
    })),
    r(url, 'GET', '/agents', ROLE.viewer),
    r(url, 'GET', '/agents/alpha/logs', ROLE.viewer),
    r(url, 'GET', '/agents/alpha/policies', ROLE.viewer),
    r(url, 'POST', '/agents/alpha/toggle', ROLE.reviewer, () => ({ status: 'PAUSED' }), reactivate),
    r(url, 'GET', '/logs', ROLE.viewer),
    r(url, 'GET', '/approvals/pending', ROLE.viewer),
    r(
      url,
      'POST',
      approvalPath((id) => `/approvals/${id}/decide`),
      ROLE.reviewer,
      () => ({ decision: 'DENIED' }),
    ),
    r(url, 'POST', '/sdk/init', ROLE.anyAgent),
    r(url, 'POST', '/sdk/register-agent', ROLE.sdk, (fx) => ({
      name: 'alpha',
      owner: `owner ${fx.unique()}`,
    })),
    r(url, 'POST', '/sdk/register-policy', ROLE.sdk, (fx) => ({
      agent_name: 'alpha',
      action: `new_${fx.unique()}`,
      rule_type: 'REVIEW',
    })),
    r(url, 'GET', '/sdk/agent-status/alpha', ROLE.read),
    r(url, 'GET', '/sdk/policy/alpha/read_balance', ROLE.read),
    r(url, 'GET', '/sdk/policies/alpha', ROLE.read),
    r(url, 'POST', '/sdk/log', ROLE.sdk, () => ({
      agent_name: 'alpha',
      action: 'read_balance',
      status: 'ALLOWED',
      details: 'x',
    })),
    r(
      url,
      'POST',
      '/sdk/update-status',
      ROLE.pause,
      () => ({ name: 'alpha', status: 'PAUSED' }),
      reactivate,
    ),
    r(url, 'POST', '/sdk/approval', ROLE.sdk, (fx) => ({
      agent_name: 'alpha',
      action: 'refund',
      args_json: JSON.stringify({ n: fx.unique() }),
    })),
    unknownToOthers(
      r(
        url,
        'GET',
        approvalPath((id) => `/sdk/approval-status/${id}`),
        ROLE.read,
      ),
      200,
    ),
    r(
      url,
      'POST',
      approvalPath((id) => `/sdk/decide-approval/${id}`),
      ROLE.reviewer,
      () => ({ decision: 'APPROVED' }),
    ),
    r(url, 'POST', '/sdk/decide', ROLE.sdk, () => ({
      agent_name: 'alpha',
      action: 'read_balance',
      args: {},
    })),
    unknownToOthers(
      r(url, 'POST', '/sdk/complete', ROLE.sdk, async (fx) => ({
        call_id: await fx.allowedCallId(),
        outcome: 'ok',
        duration_ms: 2,
      })),
    ),
    r(url, 'GET', '/sdk/find-approval/alpha/refund', ROLE.read),
    r(url, 'GET', '/sdk/pending-approvals', ROLE.authed),
    r(url, 'GET', '/sdk/audit-log?agent_name=alpha', ROLE.read),
  ];
}

/** The demo's procedures, run last: seed and reset wipe the governance data. */
export function demoCases(url: string): MatrixCase[] {
  return [
    t(url, 'demo.store', 'query', ROLE.admin),
    t(url, 'demo.reset', 'mutation', ROLE.admin),
    t(url, 'demo.seed', 'mutation', ROLE.admin),
    r(url, 'POST', '/demo/seed', ROLE.admin),
  ];
}
