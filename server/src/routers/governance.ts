import { z } from 'zod';
import {
  acknowledgeInput,
  agentManifest,
  applyGovernanceInput,
  applyGovernanceResult,
  declareToolsInput,
  governanceEvaluation,
  governanceRuleInfo,
  manifestExport,
  manifestExportInput,
  manifestQuery,
  violation,
  violationsList,
  violationsQuery,
  agentName,
} from '@aegis/shared';
import { router } from '../trpc/init';
import {
  adminProcedure,
  agentProcedure,
  assertActsAs,
  reviewerProcedure,
  viewerProcedure,
} from '../trpc/procedures';
import { formatManifest } from '../services/manifestFormats';

/** Agent manifests: what an agent declares joined with what it was seen doing. */
export const manifestsRouter = router({
  get: viewerProcedure
    .input(manifestQuery)
    .output(agentManifest)
    .query(({ ctx, input }) => ctx.services.manifests.manifest(input.agent)),

  /** agent_manifest.json, YAML, or CycloneDX 1.6. */
  export: viewerProcedure
    .input(manifestExportInput)
    .output(manifestExport)
    .query(async ({ ctx, input }) =>
      formatManifest(await ctx.services.manifests.manifest(input.agent), input.format),
    ),

  /** What wrapTools / the LangChain middleware learn from the tools they wrap (name, description, schema). */
  declareTools: agentProcedure
    .input(declareToolsInput)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      assertActsAs(ctx.principal, input.agent);
      await ctx.services.manifests.declareTools(input.agent, input.tools, ctx.principal);
      return { ok: true as const };
    }),
});

/** Governance rules over manifests, and the violations they raise. */
export const governanceRouter = router({
  violations: viewerProcedure
    .input(violationsQuery)
    .output(violationsList)
    .query(({ ctx, input }) => ctx.services.governance.list(input)),

  /** Accept a violation for a while, with a reason; it counts again when the acknowledgement expires. */
  acknowledge: reviewerProcedure
    .input(acknowledgeInput)
    .output(violation)
    .mutation(({ ctx, input }) => ctx.services.governance.acknowledge(input, ctx.principal)),

  rules: viewerProcedure
    .input(z.void())
    .output(z.array(governanceRuleInfo))
    .query(({ ctx }) => ctx.services.governance.rules()),

  /** `kind: GovernanceRule` YAML: validated, stored (unless dryRun), then every agent is re-evaluated. */
  applyRules: adminProcedure
    .input(applyGovernanceInput)
    .output(applyGovernanceResult)
    .mutation(({ ctx, input }) => ctx.services.governance.apply(input, ctx.principal)),

  /** Evaluate now (otherwise it runs after changes and on a schedule). */
  evaluate: adminProcedure
    .input(z.object({ agents: z.array(agentName).max(1000).optional() }).default({}))
    .output(governanceEvaluation)
    .mutation(({ ctx, input }) => ctx.services.governance.evaluate(input.agents)),
});
