import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { router } from '../trpc/init';
import { agentsRouter } from './agents';
import { analyticsRouter } from './analytics';
import { approvalsRouter, changesRouter } from './approvals';
import { channelsRouter } from './channels';
import { auditRouter } from './audit';
import { authRouter, keysRouter } from './auth';
import { demoRouter } from './demo';
import { graphRouter } from './graph';
import { governanceRouter, manifestsRouter } from './governance';
import { healthRouter } from './health';
import { policiesRouter } from './policies';
import { sdkRouter } from './sdk';
import { statsRouter } from './stats';
import { toolPinsRouter } from './toolPins';

export const appRouter = router({
  health: healthRouter,
  auth: authRouter,
  keys: keysRouter,
  agents: agentsRouter,
  policies: policiesRouter,
  audit: auditRouter,
  approvals: approvalsRouter,
  changes: changesRouter,
  stats: statsRouter,
  graph: graphRouter,
  analytics: analyticsRouter,
  sdk: sdkRouter,
  demo: demoRouter,
  toolPins: toolPinsRouter,
  channels: channelsRouter,
  manifests: manifestsRouter,
  governance: governanceRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
