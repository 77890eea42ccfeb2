import { verifyExport, type ExportVerifyResult } from '../../audit';
import type { Command, CommandContext } from '../context';
import { CliError, EXIT } from '../errors';
import { paint } from '../output';

/**
 * A head noted earlier (`--head`, `--outcome-head`), checked here so a typo is said in words —
 * the option and the form it takes — rather than as the server's schema issues. Lower-cased: the
 * chains print lower-case hex.
 */
function notedHash(
  options: CommandContext['options'],
  name: 'head' | 'outcome-head',
): string | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (!/^[0-9a-f]{64}$/i.test(value)) {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    throw new CliError(
      `--${name} takes a chain hash: 64 hex characters, as \`aegis audit verify\` prints it (got "${shown}")`,
    );
  }
  return value.toLowerCase();
}

/**
 * `aegis audit verify [--head HASH] [--outcome-head HASH]`: walks the hash chains; exits 1 naming
 * the first bad entry, or a head noted earlier that the chain no longer holds (its newest links cut
 * off since).
 */
export const auditVerify: Command = async ({ api, o, options }) => {
  const head = notedHash(options, 'head');
  const outcomeHead = notedHash(options, 'outcome-head');
  const noted = head || outcomeHead ? { head, outcomeHead } : undefined;
  const result = await api.audit.verify.query(noted);
  if (o.json) o.out(JSON.stringify(result, null, 2));
  else if (result.ok) {
    o.out(
      `${paint(o, 'green', 'OK')}  audit chain intact: ${result.checked} entries checked, ${result.outcomes.sealed} outcomes match their sealed records`,
    );
    if (head) o.out(`  the noted head ${head} is in the log`);
    if (outcomeHead) o.out(`  the noted outcome head ${outcomeHead} is in the outcome chain`);
    for (const line of headLines(result.heads)) o.out(`  ${line}`);
    for (const note of outcomeNotes(result.outcomes)) o.out(`  note: ${note}`);
  } else if (result.firstBad) {
    const { id, reason, outcomeRecord } = result.firstBad;
    const where =
      id > 0 ? ` at entry #${id}` : outcomeRecord ? ` at outcome record #${outcomeRecord}` : '';
    o.err(`${paint(o, 'red', 'BROKEN')}  audit chain broken${where}: ${reason}`);
  } else o.err('audit chain verification failed');
  return result.ok ? EXIT.ok : EXIT.failed;
};

/**
 * Both chains' heads, to be written down apart from the server: deleting the newest entries or
 * outcome records leaves no broken link (nothing follows them), so only a head noted earlier
 * shows it (`--head` / `--outcome-head` on a later export).
 */
function headLines(heads?: {
  entry: { id: number; hash: string } | null;
  outcome: { id: number; hash: string } | null;
}): string[] {
  if (!heads) return [];
  return [
    `head: entry ${heads.entry ? `${heads.entry.id} ${heads.entry.hash}` : 'none (empty log)'}`,
    `outcome head: record ${heads.outcome ? `${heads.outcome.id} ${heads.outcome.hash}` : 'none (no outcome sealed yet)'}`,
    'note these two apart from the server; the log, and a later export, must hold them: aegis audit verify [--file REPORT.json] --head HASH --outcome-head HASH',
  ];
}

/** What the server found of outcomes and arguments that is not a failure, in words. */
function outcomeNotes(r: {
  notSealed: number;
  sealPending: number[];
  sealPendingCount: number;
  recovered: number[];
  recoveredCount: number;
  argsNotSealed: number;
}): string[] {
  const notes: string[] = [];
  const entries = (ids: number[], count: number) =>
    `entries ${ids.join(', ')}${count > ids.length ? ', …' : ''}`;
  if (r.sealPendingCount)
    notes.push(
      `${r.sealPendingCount} outcome(s) recorded, seal pending (${entries(r.sealPending, r.sealPendingCount)}): being sealed, or left by a server that stopped in between and sealed by the next sweep; unproven until then`,
    );
  if (r.recoveredCount)
    notes.push(
      `${r.recoveredCount} outcome(s) sealed on recovery (${entries(r.recovered, r.recoveredCount)}): a server stopped between recording and sealing them; sealed later from the entry as stored`,
    );
  if (r.notSealed)
    notes.push(`${r.notSealed} outcome(s) not sealed (recorded before this version)`);
  if (r.argsNotSealed)
    notes.push(`${r.argsNotSealed} entries' arguments not sealed (stored before this version)`);
  return notes;
}

/**
 * `aegis audit verify --file REPORT.json [--head HASH] [--outcome-head HASH] [--agents a,b]`: checks a JSON compliance export offline,
 * with no server and no key; exits 1 naming the first bad entry, or why the file can't be read.
 */
export async function auditVerifyFile(
  ctx: Pick<CommandContext, 'o' | 'args' | 'options'>,
): Promise<number> {
  const { o } = ctx;
  const trustedHeadHash = notedHash(ctx.options, 'head');
  const trustedOutcomeHeadHash = notedHash(ctx.options, 'outcome-head');
  const files = [...(ctx.options.file ?? []), ...ctx.args];
  const [file] = files;
  if (!file || files.length > 1) throw new CliError('audit verify --file takes one export file');
  const agents = ctx.options.agents
    ?.split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const result = await verifyExport({
    file,
    trustedHeadHash,
    trustedOutcomeHeadHash,
    ...(agents?.length ? { agents } : {}),
  }).catch((error: unknown) => {
    throw new CliError(error instanceof Error ? error.message : String(error));
  });
  if (o.json) o.out(JSON.stringify(result, null, 2));
  else printResult(o, file, result);
  return result.ok ? EXIT.ok : EXIT.failed;
}

function printResult(o: CommandContext['o'], file: string, r: ExportVerifyResult): void {
  const range = r.firstId === null ? 'no entries' : `entries ${r.firstId}–${r.lastId ?? r.firstId}`;
  if (r.ok) {
    o.out(
      `${paint(o, 'green', 'OK')}  ${file}: ${r.checked} entries' hashes recomputed, ${r.linksChecked} links checked (${range})` +
        (r.head.covered
          ? `; the chain head ${r.head.hash ?? ''} is the trail's entry ${r.head.id ?? ''}`
          : '') +
        (r.outcomeHead.covered
          ? `; the outcome head ${r.outcomeHead.hash ?? ''} is the trail's record ${r.outcomeHead.id ?? ''}`
          : ''),
    );
  } else if (r.firstBad) {
    o.err(
      `${paint(o, 'red', 'BROKEN')}  ${file}: ${r.firstBad.id === null ? '' : `entry #${r.firstBad.id}: `}${r.firstBad.problem}: ${r.firstBad.reason}`,
    );
  }
  for (const note of r.notes) {
    if (r.ok) o.out(`  note: ${note}`);
    else o.err(`  note: ${note}`);
  }
}
