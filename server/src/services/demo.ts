import { seedBank } from '@aegis/demo/bank';
import { ACTION, noteAction } from './actions';
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
      const seeded = await seedBank(deps.connection, { dbName: BANK_DB_NAME });
      // written after the wipe, so the reset itself is the first entry of the new record
      await noteAction(
        deps.repos,
        {
          agent: '',
          status: 'RESET',
          action: ACTION.demoReset,
          details: `Demo reset by ${actor.name}: agents, policies, approvals and the audit log wiped; the demo bank reseeded`,
          params: { ...seeded },
        },
        actor,
      );
      return seeded;
    },
  };
}
