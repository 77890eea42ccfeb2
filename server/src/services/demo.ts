import type { Principal, SeedCounts, StoreAccess } from '@aegis/shared';
// The seed's POST /demo/seed seeds the demo bank; its data and logic live in their own package,
// which the demo uses too, so the server never imports demo code.
import { DEFAULT_BANK_DB, seedBank } from '@aegis/demo-bank';
import { ACTION, noteAction } from './actions';
import type { ServiceDeps } from './deps';
import type { Services } from './types';

const WIPED = 'agents, policies, approvals and the audit log wiped';

export function createDemoService(
  deps: ServiceDeps,
  opts: { storeAccess: StoreAccess; onReset: () => void },
): Services['demo'] {
  const wipeGovernance = async (actor: Principal) => {
    deps.logger.info({ actor: actor.name }, 'demo reset: wiping governance data');
    await deps.repos.resetGovernance();
    deps.cache.invalidate();
    deps.activity.reset();
    deps.blocks.reset();
    opts.onReset();
  };
  /** Written after the wipe, so the reset itself is the first entry of the new record. */
  const recordReset = async (actor: Principal, details: string, seeded?: SeedCounts) => {
    await noteAction(
      deps.repos,
      {
        agent: '',
        status: 'RESET',
        action: ACTION.demoReset,
        details,
        params: seeded ? { ...seeded } : null,
      },
      actor,
    );
    // Open dashboards drop what they show (it no longer exists) instead of mixing it with what comes next.
    deps.bus.emitChange({ type: 'governance.reset' });
  };
  return {
    store: () => opts.storeAccess,
    async reset(actor) {
      await wipeGovernance(actor);
      await recordReset(actor, `Governance reset by ${actor.name}: ${WIPED}`);
    },
    async seed(actor) {
      await wipeGovernance(actor);
      const seeded = await seedBank(deps.connection, { dbName: DEFAULT_BANK_DB });
      await recordReset(
        actor,
        `Demo reset by ${actor.name}: ${WIPED}; the demo bank reseeded`,
        seeded,
      );
      return seeded;
    },
  };
}
