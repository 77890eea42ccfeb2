import { z } from 'zod';

/**
 * The seed's JSON shapes, written from /work/shared/seed/rest-shapes.md independently of the
 * adapter's own schemas: the tests check answers against the spec, not against themselves.
 * Objects are not strict: our extra fields are allowed, missing or mistyped seed fields are not.
 */
export const time = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

export const stats = z.object({
  registered_agents: z.number().int(),
  active_agents: z.number().int(),
  total_blocks_24h: z.number().int(),
  pending_approvals: z.number().int(),
  risk_level: z.enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']),
});

export const agent = z.object({
  id: z.string().regex(/^AGT-[0-9a-f]{8}$/),
  name: z.string(),
  status: z.enum(['ACTIVE', 'PAUSED']),
  owner: z.string(),
  created_at: time,
  risk_score: z.number(),
  framework: z.string(),
  total_logs: z.number().int(),
  blocked_count: z.number().int(),
  allowed_count: z.number().int(),
});

export const entry = z.object({
  id: z.number().int(),
  timestamp: time,
  agent_name: z.string(),
  action: z.string(),
  status: z.string(),
  severity: z.enum(['success', 'failure', 'critical', 'warning', 'info']),
  details: z.string(),
});

export const policyLists = z.object({
  allowed: z.array(z.string()),
  blocked: z.array(z.string()),
  requires_review: z.array(z.string()),
});

export const pendingApproval = z.object({
  id: z.number().int(),
  agent_name: z.string(),
  action: z.string(),
  args_json: z.string(),
  status: z.string(),
  created_at: time,
});

export const approval = pendingApproval.extend({ decided_at: time.nullable() });

export const ok = z.object({ status: z.literal('ok') });

export const error = z.object({ detail: z.string().min(1) });
