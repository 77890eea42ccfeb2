import { z } from 'zod';

/** Agent names: what a developer types in code and a reviewer reads on screen. */
export const agentName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 _.:-]*$/, 'letters, digits, space, "_", ".", ":" or "-", starting with a letter or digit')
  .describe('Unique agent name');

/** Action (tool) names, as the tool registry spells them. */
export const actionName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:/-]+$/, 'letters, digits, "_", ".", ":", "/" or "-"')
  .describe('Tool / action name');

/** Times cross every boundary as ISO-8601 strings, so tRPC, REST and the SDK agree. */
export const isoTime = z.iso.datetime({ offset: true }).describe('ISO-8601 timestamp');

/** Arguments of a tool call: any JSON object. */
export const toolArgs = z.record(z.string(), z.unknown()).describe('Tool call arguments (JSON object)');

export const callId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/)
  .describe('Client-generated id of one tool call; ties the decision to its outcome');

export const sequentialId = z.number().int().positive().describe('Sequential numeric id');

export const pageLimit = z.number().int().min(1).max(500).default(50);
