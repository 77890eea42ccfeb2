import { z } from 'zod';
import { decidingRule, resultEffect } from './policyRules';
import { toolMeta } from './decision';
import { scanFinding } from '../dlp/types';
import { actionName, agentName, toolArgs } from './common';
import { callChannel, callOutcome, upstreamCallFields } from './audit';

/** Items (entries + outcomes) per `sdk.recordBatch`; the SDK ships at most 500. */
export const MAX_RECORD_BATCH = 1000;

const entryKey = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/)
  .describe('Client-generated, unique per entry');

const durationMs = z.number().nonnegative().max(86_400_000).describe('How long the tool ran');
const toolError = z.string().max(2000).describe('The tool’s error message (outcome "error")');
const resultFindings = z
  .array(scanFinding)
  .max(256)
  .describe('What DLP found in the result (never the values)');
const resultEffectField = resultEffect.describe('What an on: result rule did with the result');

const localDecisionRecord = z
  .object({
    entryKey,
    agent: agentName,
    action: actionName,
    status: z.enum(['ALLOWED', 'BLOCKED', 'KILLED']),
    details: z.string().max(4000),
    callId: z.string().max(64),
    args: toolArgs.default({}),
    decidedAt: z.iso.datetime({ offset: true }),
    policyVersion: z.number().int().nonnegative(),
    // What the decision saw and which rule made it, as strict mode's entries keep them: the
    // report check evaluates the call again with the same tool metadata and time, and `session`
    // facts read the run and the tool's tags of the calls allowed in it.
    rule: decidingRule.optional().describe('The rule that decided, as the local engine found it'),
    runId: z.string().min(1).max(128).optional().describe('The run this call belongs to (session facts)'),
    tool: toolMeta.optional().describe('What the tool declared about itself'),
    channel: callChannel.optional().describe('How the call reached Aegis (mcp, http-proxy); absent for the SDK'),
    ...upstreamCallFields,
    argsRedacted: z
      .literal(true)
      .optional()
      .describe('A REDACT rule decided: the tool ran with what DLP found in the arguments masked'),
    // The usual case: the tool finished before the record was shipped, so the outcome rides along
    // and entry + outcome cost one insert (sdk.complete would be a second write per call).
    outcome: callOutcome.optional().describe('How the call ended, when it ended before shipping'),
    durationMs: durationMs.optional(),
    error: toolError.optional(),
    resultFindings: resultFindings.optional(),
    resultEffect: resultEffectField.optional(),
  })
  .refine((r) => (r.outcome === undefined) === (r.durationMs === undefined), {
    message: 'outcome and durationMs go together',
    path: ['durationMs'],
  })
  .refine((r) => r.outcome === undefined || r.status === 'ALLOWED', {
    message: 'only an ALLOWED call ran, so only it has an outcome',
    path: ['outcome'],
  });
export type LocalDecisionRecord = z.infer<typeof localDecisionRecord>;

/** The outcome of a call whose record was shipped before the tool finished. */
const localOutcome = z.object({
  entryKey: entryKey.describe('The entryKey of the ALLOWED record this outcome belongs to'),
  outcome: callOutcome,
  durationMs,
  error: toolError.optional(),
  resultFindings: resultFindings.optional(),
  resultEffect: resultEffectField.optional(),
});
export type LocalOutcome = z.infer<typeof localOutcome>;

export const recordBatchInput = z
  .object({
    entries: z.array(localDecisionRecord).max(MAX_RECORD_BATCH).default([]),
    outcomes: z
      .array(localOutcome)
      .max(MAX_RECORD_BATCH)
      .default([])
      .describe(
        'Outcomes of entries stored earlier, or earlier in this batch (applied after them)',
      ),
  })
  .refine(
    (b) => b.entries.length + b.outcomes.length >= 1,
    'A batch holds at least one entry or outcome',
  )
  .refine(
    (b) => b.entries.length + b.outcomes.length <= MAX_RECORD_BATCH,
    `A batch holds at most ${MAX_RECORD_BATCH} entries and outcomes together`,
  );
export type RecordBatchInput = z.infer<typeof recordBatchInput>;

export const recordBatchOutput = z.object({
  stored: z.number().int().describe('Entries stored now'),
  duplicates: z.number().int().describe('Entries already stored (a replay)'),
  outcomes: z.number().int().describe('Outcomes recorded now on earlier entries'),
  outcomeDuplicates: z.number().int().describe('Outcomes already recorded (a replay)'),
});
export type RecordBatchResult = z.infer<typeof recordBatchOutput>;
