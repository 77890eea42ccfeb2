import { z } from 'zod';
import { isoTime } from './common';
import { timeWindow, windowBounds } from './timeWindow';
import { agentStatus } from './agent';

/** A window of time: a preset ending now, or `from` (to `to`, or now). */
export const graphInput = timeWindow;
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
export const graphWindow = windowBounds;
