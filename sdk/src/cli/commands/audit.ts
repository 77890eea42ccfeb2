import type { Command } from '../context';
import { EXIT } from '../errors';
import { paint } from '../output';

/** `aegis audit verify`: walks the hash chain; exits 1 naming the first bad entry. */
export const auditVerify: Command = async ({ api, o }) => {
  const result = await api.audit.verify.query();
  if (o.json) o.out(JSON.stringify(result, null, 2));
  else if (result.ok)
    o.out(`${paint(o, 'green', 'OK')}  audit chain intact: ${result.checked} entries checked`);
  else if (result.firstBad) {
    o.err(
      `${paint(o, 'red', 'BROKEN')}  audit chain broken at entry #${result.firstBad.id}: ${result.firstBad.reason}`,
    );
  } else o.err('audit chain verification failed');
  return result.ok ? EXIT.ok : EXIT.failed;
};
