import { router } from '../trpc/init';
import { dashboardRestRouter } from './dashboardRouter';
import { miscRestRouter } from './demoRouter';
import { governanceRestRouter } from './governanceRouter';
import { policyDocumentsRestRouter } from './policyDocumentsRouter';
import { proposalsRestRouter } from './proposalsRouter';
import { sdkDecideRestRouter } from './sdkDecideRouter';
import { sdkQueryRestRouter } from './sdkQueryRouter';
import { sdkRestRouter } from './sdkRouter';

/**
 * The REST adapter's procedures: the seed's paths and shapes over the same services and
 * procedure builders as the tRPC `appRouter`. Kept out of the `appRouter`, which is the
 * TypeScript contract; nothing here is reachable under `/trpc`.
 */
export const seedRestRouter = router({
  dashboard: dashboardRestRouter,
  sdk: sdkRestRouter,
  sdkDecide: sdkDecideRestRouter,
  sdkQuery: sdkQueryRestRouter,
  misc: miscRestRouter,
  proposals: proposalsRestRouter,
  policyDocuments: policyDocumentsRestRouter,
  governance: governanceRestRouter,
});

export type SeedRestRouter = typeof seedRestRouter;
