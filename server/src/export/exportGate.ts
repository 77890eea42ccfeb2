import type { Response } from 'express';
import type { Principal } from '@aegis/shared';

/** Exports (reports, audit trails) being written by this server at once, in all. */
export const MAX_EXPORTS = 3;
const RETRY_AFTER_S = 30;

/**
 * Bounds what exports can cost: a compliance report verifies the whole hash chain and an audit
 * export reads the whole log, so a viewer's key asking for them in a loop (or twenty at once)
 * kept the server and its database busy for everyone (an attack review). One export per key at
 * a time, {@link MAX_EXPORTS} per server; the rest get 429 with Retry-After and say why. Per
 * server process: N servers allow N × MAX_EXPORTS.
 */
export function createExportGate(max = MAX_EXPORTS) {
  const running = new Map<string, number>();
  let total = 0;
  return {
    /** Admits the export (released when the response closes), or answers 429 and returns false. */
    admit(principal: Principal, res: Response): boolean {
      const who = principal.keyId;
      const refuse = (detail: string) => {
        res.status(429).set('Retry-After', String(RETRY_AFTER_S)).json({ detail });
        return false;
      };
      if ((running.get(who) ?? 0) > 0)
        return refuse(
          'An export you asked for is still being written; wait for it to finish, then ask again',
        );
      if (total >= max)
        return refuse(
          `${total} exports are being written on this server; try again in ${RETRY_AFTER_S} s`,
        );
      running.set(who, 1);
      total += 1;
      res.once('close', () => {
        running.delete(who);
        total -= 1;
      });
      return true;
    },
  };
}
export type ExportGate = ReturnType<typeof createExportGate>;
