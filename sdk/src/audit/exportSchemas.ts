import { z } from 'zod';

/**
 * What the offline verifier reads of a compliance export, checked with zod as it is read: the
 * report head's members it needs, and each trail entry's hashed fields.
 */

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hash (64 hex digits)');

const exportFinding = z
  .object({
    detector: z.string(),
    path: z.string(),
    count: z.number(),
    confidence: z.number(),
  })
  .strict();

/** An entry's record in the outcome chain: every field its hash covers, and the hash. */
export const exportOutcomeRecord = z.object({
  id: z.number().int().positive(),
  entryId: z.number().int().positive(),
  entryHash: sha256Hex,
  outcome: z.string(),
  durationMs: z.number().nullable(),
  resultFindings: z.array(exportFinding).nullable(),
  resultEffect: z.string().nullable(),
  timestamp: z.string(),
  prevHash: sha256Hex.nullable(),
  hash: sha256Hex,
  /** Sealed on recovery, after the server stopped between recording and sealing (hashed when set). */
  recovered: z.literal(true).optional(),
});
export type ExportOutcomeRecord = z.infer<typeof exportOutcomeRecord>;

/** A trail entry: every field its hash covers, as the server stored it. */
export const exportEntry = z.object({
  id: z.number().int().positive(),
  timestamp: z.string(),
  agent: z.string(),
  action: z.string(),
  status: z.string(),
  callId: z.string().nullable(),
  approvalId: z.number().int().nullable(),
  details: z.string(),
  argsPreview: z.string().nullable(),
  source: z.string().nullable(),
  actor: z.string().nullable(),
  rule: z.string().nullable(),
  channel: z.string().nullish(),
  upstream: z.string().nullish(),
  upstreamTool: z.string().nullish(),
  findings: z.array(exportFinding).nullish(),
  callArgsHash: sha256Hex.nullish(),
  outcomeSealed: z.literal(true).nullish(),
  outcome: z.string().nullish(),
  outcomeRecord: exportOutcomeRecord.optional(),
  prevHash: sha256Hex.nullable(),
  hash: sha256Hex,
  outsideRange: z.literal(true).optional(),
});
export type ExportEntry = z.infer<typeof exportEntry>;

/** The report head's chain section: what the server found, and the head it saw. */
export const exportChain = z.object({
  ok: z.boolean(),
  checked: z.number().int().nonnegative(),
  firstBad: z.object({ id: z.number(), reason: z.string() }).nullable(),
  headId: z.number().int().positive().nullable(),
  headHash: sha256Hex.nullable(),
});
export type ExportChain = z.infer<typeof exportChain>;

/** The report head's `verification` section (see the server's TrailVerification). */
export const exportVerification = z.object({
  agentFilter: z.array(z.string()).nullable(),
  /** The outcome chain's newest record when the report was written; absent in older exports. */
  outcomeHead: z
    .object({
      id: z.number().int().positive().nullable(),
      hash: sha256Hex.nullable(),
    })
    .optional(),
});

/** Options of {@link verifyExport}. */
export const verifyExportOptions = z
  .object({
    file: z
      .string()
      .min(1)
      .describe('Path of a JSON compliance export (`GET /export/report?format=json`)'),
    trustedHeadHash: sha256Hex
      .optional()
      .describe(
        'A head hash obtained apart from this file (the live server, an earlier report): the trail must contain an entry with this hash',
      ),
    trustedOutcomeHeadHash: sha256Hex
      .optional()
      .describe(
        "The outcome chain's head hash obtained apart from this file (what `aegis audit verify` printed on the live server): an outcome record in the trail must have it, so records cut off the end of the outcome chain, or another chain, show",
      ),
    agents: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'The agents whose entries were asked for. Without it the export must cover the whole log: a trail filtered to some agents cannot show entries removed from between theirs, so it does not pass unless these agents are all in its filter',
      ),
    maxEntryChars: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024),
    maxMemberChars: z
      .number()
      .int()
      .positive()
      .default(512 * 1024 * 1024),
  })
  .strict();
export type VerifyExportOptions = z.input<typeof verifyExportOptions>;

/** Why verification failed, as a word a program can switch on. */
export const exportProblem = z.enum([
  'modified',
  'broken-link',
  'missing-entry',
  'reordered',
  'head-mismatch',
  'malformed-entry',
  /** An entry of an agent the report says its trail leaves out (its filter was edited). */
  'outside-filter',
  /** A trail filtered to some agents, where the whole log (or other agents) was expected. */
  'filtered',
  'outcome-mismatch',
]);
export type ExportProblem = z.infer<typeof exportProblem>;

/** What {@link verifyExport} found. */
export interface ExportVerifyResult {
  /** Every check that could be made passed. */
  ok: boolean;
  /** Trail entries whose hash was recomputed and matched. */
  checked: number;
  /** Links (entry n+1's prevHash = entry n's hash) checked. */
  linksChecked: number;
  firstBad: { id: number | null; problem: ExportProblem; reason: string } | null;
  /** null: the whole log in the range; a list: only these agents' entries. */
  agentFilter: string[] | null;
  firstId: number | null;
  lastId: number | null;
  head: {
    id: number | null;
    hash: string | null;
    /** Whether the trail holds the entry the report names as the chain's head (and it matched). */
    covered: boolean;
  };
  /** The outcome chain's head the report names (see OutcomeCheck); null members: none named. */
  outcomeHead: {
    id: number | null;
    hash: string | null;
    /** Whether the trail holds the record the report names as the outcome chain's head (and it matched). */
    covered: boolean;
  };
  /** What the server said about its whole chain when it wrote the report. */
  server: { ok: boolean; firstBad: { id: number; reason: string } | null } | null;
  /** What this file cannot prove, in words (filtered trails, links to entries before it…). */
  notes: string[];
  /** How the trail's outcomes stand against their outcome records (see OutcomeCheck). */
  outcomes: {
    /** Entries whose outcome matched its record, the record's hash recomputed. */
    sealed: number;
    /** Links between records with consecutive ids, both in this file, checked. */
    linksChecked: number;
    /** Entries written to be sealed with an outcome but no record: unproven outcomes. */
    withoutRecord: number;
    /** Outcomes recorded before outcomes were sealed: not covered. */
    notSealed: number;
    /** Outcomes sealed on recovery (a server stopped between recording and sealing): sealed late. */
    recovered: number;
  };
}
