/**
 * Valid base inputs for every tRPC procedure and REST path, aimed at the agent "target" so that
 * hostile variants reach deep code paths without touching the fixture data the test guards.
 */
import { appRouter } from '../../src/routers/_app';
import { generateRestOpenApiDocument } from '../../src/rest';

export const TARGET = 'target';

export interface Ids {
  approval: number;
  throwawayKey: string;
}

export interface TrpcTarget {
  kind: 'trpc';
  path: string;
  type: 'query' | 'mutation';
  base: Record<string, unknown> | undefined;
}

export interface RestTarget {
  kind: 'rest';
  method: string;
  /** OpenAPI path template, e.g. /sdk/policy/{agent_name}/{action}. */
  template: string;
  base: Record<string, unknown> | undefined;
}

function trpcBase(ids: Ids): Record<string, Record<string, unknown> | undefined> {
  const T = TARGET;
  return {
    'auth.login': { key: 'aegis_not_a_key' },
    'keys.create': { name: 'fuzz', role: 'viewer', agents: null },
    'keys.revoke': { id: ids.throwawayKey },
    'agents.byName': { name: T },
    'agents.setStatus': { name: T, status: 'ACTIVE' },
    'policies.forAgent': { agent: T },
    'policies.rules': { agent: T },
    'policies.set': { agent: T, action: 'act', rule: 'BLOCK' },
    'policies.remove': { agent: T, action: 'act' },
    'audit.list': { agent: T, run: 'fuzz-run', limit: 5 },
    'audit.count': { agent: T, run: 'fuzz-run' },
    'approvals.list': { agent: T, limit: 5 },
    'approvals.byId': { id: ids.approval },
    'approvals.reveal': { id: ids.approval },
    'approvals.decide': { id: ids.approval, decision: 'DENIED' },
    'stats.timeline': { hours: 1 },
    'graph.get': { range: '1h' },
    'analytics.decisions': { range: '1h' },
    'analytics.approvals': { range: '1h' },
    'analytics.rules': { range: '1h' },
    'analytics.dlp': { range: '1h' },
    'analytics.anomalies': { range: '1h', limit: 5 },
    'analytics.anomaly': { id: 'x' },
    'sdk.registerAgent': { name: T, allows: ['read'], review: ['pay'] },
    'sdk.decide': { agent: T, action: 'pay', args: { a: 1 } },
    'sdk.complete': { callId: 'call_12345678', outcome: 'ok', durationMs: 1 },
    'sdk.result': {
      agent: T,
      action: 'read',
      callId: 'call_12345678',
      findings: [],
      preview: '{}',
      tool: { tags: ['pii'], description: 'reads' },
    },
    'sdk.agentStatus': { name: T },
    'sdk.snapshot': { agents: [T] },
    'sdk.log': { agent: T, action: 'read', status: 'ALLOWED', details: '' },
    'sdk.recordBatch': {
      entries: [
        {
          entryKey: 'fuzzentry1',
          agent: T,
          action: 'read',
          status: 'ALLOWED',
          details: '',
          callId: 'c1',
          args: {},
          decidedAt: '2026-01-01T00:00:00Z',
          policyVersion: 1,
        },
      ],
    },
    'sdk.approvalStatus': { id: ids.approval },
    'sdk.approvalTimeout': { id: ids.approval },
  };
}

const restBodies: Record<string, Record<string, unknown>> = {
  'POST /agents/{name}/toggle': { status: 'ACTIVE' },
  'POST /approvals/{id}/decide': { decision: 'DENIED' },
  'POST /sdk/register-agent': { name: TARGET, owner: 'o' },
  'POST /sdk/register-policy': { agent_name: TARGET, action: 'act', rule_type: 'BLOCK' },
  'POST /sdk/log': { agent_name: TARGET, action: 'read', status: 'ALLOWED' },
  'POST /sdk/update-status': { name: TARGET, status: 'ACTIVE' },
  'POST /sdk/approval': { agent_name: TARGET, action: 'pay', args_json: '{}' },
  'POST /sdk/decide-approval/{approval_id}': { decision: 'DENIED' },
  'POST /sdk/decide': { agent_name: TARGET, action: 'pay', args: {} },
  'POST /sdk/complete': { call_id: 'call_12345678', outcome: 'ok', duration_ms: 1 },
  'GET /sdk/audit-log': { agent_name: TARGET, limit: 5 },
};

/** Every unary tRPC procedure (subscriptions stay open, so they are covered by the matrix test). */
export function trpcTargets(ids: Ids): TrpcTarget[] {
  const bases = trpcBase(ids);
  return Object.entries(
    appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>,
  )
    .filter(([, p]) => p._def.type === 'query' || p._def.type === 'mutation')
    .map(([path, p]) => ({
      kind: 'trpc',
      path,
      type: p._def.type as 'query' | 'mutation',
      base: bases[path],
    }));
}

/** Every REST operation of the OpenAPI document. */
export function restTargets(): RestTarget[] {
  const doc = generateRestOpenApiDocument('/');
  const out: RestTarget[] = [];
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      if (!(item as Record<string, unknown> | undefined)?.[method]) continue;
      const key = `${method.toUpperCase()} ${template}`;
      out.push({ kind: 'rest', method: method.toUpperCase(), template, base: restBodies[key] });
    }
  }
  return out;
}

/** Operations that wipe data: hostile requests reach them only without an admin credential. */
export const DESTRUCTIVE = new Set(['demo.seed', 'demo.reset', 'POST /demo/seed']);

/** Fills path parameters: the real target or approval, or a hostile segment. */
export function fillTemplate(template: string, ids: Ids, hostile: string | null): string {
  return template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    if (hostile !== null) return hostile;
    return name === 'id' || name === 'approval_id'
      ? String(ids.approval)
      : name === 'action'
        ? 'pay'
        : TARGET;
  });
}
