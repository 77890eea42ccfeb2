import { agentGraph, graphInput } from '@aegis/shared';
import { router } from '../trpc/init';
import { viewerProcedure } from '../trpc/procedures';

export const graphRouter = router({
  /**
   * Agents, the tools they called and the data tags those calls carried, in a window (default: the
   * last 24 hours): edge weight = calls, split by verdict for the block/review share.
   */
  get: viewerProcedure
    .input(graphInput)
    .output(agentGraph)
    .query(({ ctx, input }) => ctx.services.graph.get(input)),
});
