import { z } from 'zod';
import { isoTime } from './common';
import { agentStatus } from './agent';

/** The dashboard's time ranges: a preset (`range=` in the URL) or `from`/`to`. */
export const graphRangePreset = z.enum(['1h', '24h', '7d', '30d']);
export type GraphRangePreset = z.infer<typeof graphRangePreset>;
export const GRAPH_RANGE_MS: Record<GraphRangePreset, number> = {
  '1h': 3600_000,
  '24h': 24 * 3600_000,
  '7d': 7 * 24 * 3600_000,
  '30d': 30 * 24 * 3600_000,
};

/** A window of time: a preset ending now, or `from` (to `to`, or now). */
export const graphInput = z
  .object({
    range: graphRangePreset
      .optional()
      .describe('A preset window ending now; ignored when "from" is given'),
    from: isoTime.optional().describe('Start of a custom window'),
    to: isoTime.optional().describe('End of a custom window; now when absent'),
  })
  .refine((w) => !w.to || w.from, { message: '"to" needs "from"', path: ['to'] })
  .refine((w) => !w.from || !w.to || Date.parse(w.from) < Date.parse(w.to), {
    message: '"from" must be before "to"',
    path: ['from'],
  });
export type GraphInput = z.infer<typeof graphInput>;

const count = z.number().int().nonnegative();

/** Calls by verdict: the weight of an edge or node, and what colours it. */
export const verdictCounts = z.object({
  calls: count.describe('Decided calls in the window'),
  allowed: count,
  blocked: count,
  review: count.describe('Calls held for a person (PENDING)'),
  killed: count,
});
export type VerdictCounts = z.infer<typeof verdictCounts>;

export const graphAgent = verdictCounts.extend({
  name: z.string(),
  status: agentStatus.nullable().describe('Null for an agent no longer registered'),
});
export const graphTool = verdictCounts.extend({
  name: z.string(),
  agents: z
    .array(z.string())
    .describe('Agents that called it in the window; more than one = a shared tool'),
});
export const dataTagKind = z.enum(['detector', 'tag']);
export const graphDataTag = z.object({
  name: z.string(),
  kind: dataTagKind.describe(
    '"detector": DLP found it in the arguments or result; "tag": the tool declared it',
  ),
  calls: count.describe('Calls that carried it'),
});
export const graphCallEdge = verdictCounts.extend({ agent: z.string(), tool: z.string() });
export const graphTagEdge = z.object({
  tool: z.string(),
  tag: z.string(),
  kind: dataTagKind,
  calls: count,
});

export const agentGraph = z.object({
  from: isoTime,
  to: isoTime,
  agents: z.array(graphAgent),
  tools: z.array(graphTool),
  tags: z.array(graphDataTag),
  calls: z.array(graphCallEdge).describe('Agent → tool edges, weight = calls'),
  carries: z.array(graphTagEdge).describe('Tool → data tag edges'),
  truncated: z.boolean().describe('Only the busiest edges were kept'),
});
export type AgentGraph = z.infer<typeof agentGraph>;

/** The window a graph input names, in epoch milliseconds. */
export function graphWindow(input: GraphInput, now = Date.now()): { from: number; to: number } {
  if (input.from)
    return { from: Date.parse(input.from), to: input.to ? Date.parse(input.to) : now };
  return { from: now - GRAPH_RANGE_MS[input.range ?? '24h'], to: now };
}
