import { seedBank } from '@aegis/demo/bank';
import type { ServiceDeps } from './deps';
import type { Services } from './types';

/** The bank lives in its own database on the same connection/URI as the governance data. */
export const BANK_DB_NAME = 'aegis_bank';

export function createDemoService(deps: ServiceDeps, onReset: () => void): Services['demo'] {
  return {
    async seed(actor) {
      deps.logger.info(
        { actor: actor.name },
        'demo reset: wiping governance data and reseeding the bank',
      );
      await deps.repos.resetGovernance();
      deps.cache.invalidate();
      deps.activity.reset();
      deps.blocks.reset();
      onReset();
      return seedBank(deps.connection, { dbName: BANK_DB_NAME });
    },
  };
}
