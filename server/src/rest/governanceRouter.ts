import { z } from 'zod';
import {
  acknowledgeInput,
  agentManifest,
  applyGovernanceInput,
  applyGovernanceResult,
  manifestFormat,
  manifestExport,
  violation,
  violationsList,
  violationsQuery,
} from '@aegis/shared';
import { router } from '../trpc/init';
import { adminProcedure, reviewerProcedure, viewerProcedure } from '../trpc/procedures';
import { formatManifest } from '../services/manifestFormats';
import { errorResponses } from './errorDocs';
import { agentPathParam } from './inputs';

const tags = ['governance'];

/** Manifests and governance over REST (not in the seed): the same services as tRPC's manifests.* / governance.*. */
export const governanceRestRouter = router({
  manifest: viewerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/agents/{agent}/manifest',
        tags,
        summary: "The agent's manifest (agent_manifest.json): declaration, observed use, drift",
        errorResponses: errorResponses(400, 404),
      },
    })
    .input(z.object({ agent: agentPathParam }))
    .output(agentManifest)
    .query(({ ctx, input }) => ctx.services.manifests.manifest(input.agent)),

  manifestExport: viewerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/agents/{agent}/manifest/export',
        tags,
        summary: 'The manifest as json, yaml or cyclonedx (CycloneDX 1.6)',
        errorResponses: errorResponses(400, 404),
      },
    })
    .input(z.object({ agent: agentPathParam, format: manifestFormat.default('json') }))
    .output(manifestExport)
    .query(async ({ ctx, input }) =>
      formatManifest(await ctx.services.manifests.manifest(input.agent), input.format),
    ),

  violations: viewerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/governance/violations',
        tags,
        summary: 'Governance violations, most severe first, with open counts by severity',
      },
    })
    .input(
      violationsQuery
        .omit({ limit: true })
        .extend({ limit: z.coerce.number().int().min(1).max(1000).default(500) }),
    )
    .output(violationsList)
    .query(({ ctx, input }) => ctx.services.governance.list(input)),

  acknowledge: reviewerProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/governance/acknowledge',
        tags,
        summary: 'Acknowledge a violation with a reason, for a number of days (reviewers)',
        errorResponses: errorResponses(400, 403, 404),
      },
    })
    .input(acknowledgeInput)
    .output(violation)
    .mutation(({ ctx, input }) => ctx.services.governance.acknowledge(input, ctx.principal)),

  applyRules: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/governance/rules/apply',
        tags,
        summary: 'Validate and store kind: GovernanceRule YAML (admins; dryRun: validate only)',
        errorResponses: errorResponses(400, 403),
      },
    })
    .input(applyGovernanceInput)
    .output(applyGovernanceResult)
    .mutation(({ ctx, input }) => ctx.services.governance.apply(input, ctx.principal)),
});
