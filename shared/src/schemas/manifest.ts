import { z } from 'zod';
import { actionName, agentName, isoTime, refineStorableKeys } from './common';
import { agentStatus } from './agent';
import { agentLabels } from './policyRules';

/**
 * What an agent declares about itself at registration, and the manifest: that declaration plus
 * what Aegis observed it doing (the "agent bill of materials"). Governance rules read manifests.
 */

/** Tags with a meaning in the built-in governance pack; any other short tag is allowed too. */
export const WELL_KNOWN_TOOL_TAGS = [
  'pii',
  'financial',
  'external',
  'destructive',
  'credentials',
] as const;

const shortWord = z.string().min(1).max(64);

/** One tool as its agent declares it. */
export const toolDeclaration = z.object({
  name: actionName,
  description: z.string().max(2000).default(''),
  argsSchema: z
    .record(z.string(), z.unknown())
    .superRefine(refineStorableKeys)
    .optional()
    .describe('JSON Schema of the arguments (from the zod schema or the LangChain tool)'),
  tags: z
    .array(shortWord)
    .max(32)
    .default([])
    .describe(`e.g. ${WELL_KNOWN_TOOL_TAGS.join(', ')}`),
  dataCategories: z
    .array(shortWord)
    .max(32)
    .default([])
    .describe('Kinds of data the tool touches, e.g. pii, financial, health'),
});
export type ToolDeclaration = z.infer<typeof toolDeclaration>;
export type ToolDeclarationInput = z.input<typeof toolDeclaration>;

/** Registration fields beyond the seed's (all optional, so older clients register unchanged); `labels` is registerAgentInput's own. */
export const agentDeclarationFields = {
  team: z.string().max(200).optional(),
  model: z
    .string()
    .max(200)
    .optional()
    .describe('The model the agent runs on, e.g. gemini-2.5-flash'),
  provider: z.string().max(200).optional().describe('Who serves the model, e.g. google'),
  frameworkVersion: z.string().max(100).optional(),
  tools: z.array(toolDeclaration).max(500).optional().describe('The tools the agent declares'),
};

/** What is stored per agent: its profile as declared, tools merged over registrations. */
export const agentDeclaration = z.object({
  owner: z.string(),
  description: z.string(),
  framework: z.string(),
  team: z.string().default(''),
  labels: agentLabels.default({}),
  model: z.string().default(''),
  provider: z.string().default(''),
  frameworkVersion: z.string().default(''),
  tools: z.array(toolDeclaration).default([]),
});
export type AgentDeclaration = z.infer<typeof agentDeclaration>;

/** sdk.declareTools: what wrapTools / the middleware learn from the tools they wrap. */
export const declareToolsInput = z.object({
  agent: agentName,
  tools: z.array(toolDeclaration).min(1).max(500),
});

export const permission = z
  .enum(['ALLOW', 'REVIEW', 'BLOCK'])
  .describe('What the policy does with a plain call');
export type Permission = z.infer<typeof permission>;

export const manifestTool = z.object({
  name: actionName,
  declared: z.boolean(),
  description: z.string(),
  tags: z.array(z.string()),
  dataCategories: z.array(z.string()),
  argsSchema: z.record(z.string(), z.unknown()).optional(),
  permission: permission.nullable().describe('The effective policy for a call without arguments'),
  rule: z.string().nullable().describe('The rule that decides it'),
  calls: z.number().int().nonnegative(),
  byStatus: z.record(z.string(), z.number().int().nonnegative()),
  dataSeen: z
    .array(z.string())
    .describe('DLP detector categories seen in its arguments or results'),
  firstSeen: isoTime.nullable(),
  lastSeen: isoTime.nullable(),
});
export type ManifestTool = z.infer<typeof manifestTool>;

export const manifestDependency = z.object({
  agent: agentName,
  via: z.enum(['shared-tool', 'same-run']),
  detail: z.array(z.string()).describe('The shared tools, or the runs in common (a few)'),
});
export type ManifestDependency = z.infer<typeof manifestDependency>;

export const manifestApprovals = z.object({
  total: z.number().int().nonnegative(),
  approved: z.number().int().nonnegative(),
  denied: z.number().int().nonnegative(),
  expired: z.number().int().nonnegative(),
  pending: z.number().int().nonnegative(),
  deciders: z.array(z.string()),
});
export type ManifestApprovals = z.infer<typeof manifestApprovals>;

export const manifestDrift = z.object({
  undeclaredCalled: z.array(z.string()).describe('Tools called but never declared'),
  declaredUnused: z.array(z.string()).describe('Tools declared but never called'),
  allowedUnused: z
    .array(z.string())
    .describe(
      'Allowed by the policy, not called in the unused window (none while the agent is younger than the window)',
    ),
  unusedWindowDays: z.number().int().positive(),
});
export type ManifestDrift = z.infer<typeof manifestDrift>;

/** agent_manifest.json: the declaration, what was observed, and the difference. */
export const agentManifest = z.object({
  manifestVersion: z.literal('aegis.agent_manifest/v1'),
  generatedAt: isoTime,
  agent: z.object({
    name: agentName,
    status: agentStatus,
    owner: z.string(),
    team: z.string(),
    description: z.string(),
    labels: z.record(z.string(), z.string()),
    model: z.string(),
    provider: z.string(),
    framework: z.string(),
    frameworkVersion: z.string(),
    createdAt: isoTime,
    policyVersion: z.number().int().nonnegative(),
  }),
  tools: z.array(manifestTool),
  dataCategories: z.object({
    declared: z.array(z.string()),
    seen: z.array(z.string()).describe('Categories DLP found in this agent’s calls'),
  }),
  approvals: manifestApprovals,
  dependencies: z.array(manifestDependency),
  firstSeen: isoTime.nullable(),
  lastSeen: isoTime.nullable(),
  drift: manifestDrift,
});
export type AgentManifest = z.infer<typeof agentManifest>;

export const manifestFormat = z.enum(['json', 'yaml', 'cyclonedx']);
export type ManifestFormat = z.infer<typeof manifestFormat>;

export const manifestQuery = z.object({ agent: agentName });
export const manifestExportInput = z.object({
  agent: agentName,
  format: manifestFormat.default('json'),
});
export const manifestExport = z.object({
  format: manifestFormat,
  fileName: z.string(),
  mediaType: z.string(),
  content: z.string().describe('The manifest, serialised'),
});
