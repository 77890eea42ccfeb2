import { createHash } from 'node:crypto';
import { outcomeHashInput } from '@aegis/shared';
import type {
  ExportEntry,
  ExportOutcomeRecord,
  ExportProblem,
  ExportVerifyResult,
} from './exportSchemas';

type Bad = NonNullable<ExportVerifyResult['firstBad']>;
type Link = { hash: string; prevHash: string | null; linkedPrev: boolean; linkedNext: boolean };

/**
 * Records waiting for a neighbour to link to. Records come in entry order, which is nearly the
 * order they were sealed in, so few wait; past this many the oldest are dropped (their links are
 * then not checked) to keep memory flat whatever the file's size.
 */
const MAX_OPEN = 100_000;

const bad = (id: number, problem: ExportProblem, reason: string): Bad => ({ id, problem, reason });

/**
 * The outcome checks of an export: each trail entry's `outcomeRecord` must hash to its own hash,
 * name the entry (its id and hash) and hold the entry's outcome; records with consecutive ids
 * that are both in the file must link (the later one's prevHash is the earlier one's hash), so a
 * record edited and rehashed shows unless its neighbours are outside the file.
 */
export class OutcomeCheck {
  readonly counts: ExportVerifyResult['outcomes'] = {
    sealed: 0,
    linksChecked: 0,
    withoutRecord: 0,
    notSealed: 0,
  };
  private readonly open = new Map<number, Link>();

  /** Checks one entry (whose own hash matched); the failure, or null. */
  entry(e: ExportEntry): Bad | null {
    const r = e.outcomeRecord;
    if (!r) {
      if (e.outcome !== null && e.outcome !== undefined) {
        if (e.outcomeSealed === true) this.counts.withoutRecord += 1;
        else this.counts.notSealed += 1;
      }
      return null;
    }
    if (recordHash(r) !== r.hash)
      return bad(
        e.id,
        'modified',
        `entry ${e.id}'s outcome record ${r.id} was modified: its fields no longer match its hash`,
      );
    if (r.entryId === e.id && r.entryHash !== e.hash)
      return bad(
        e.id,
        'outcome-mismatch',
        `entry ${e.id} no longer has the hash its outcome record ${r.id} sealed: the entry was changed and rehashed`,
      );
    if (r.entryId !== e.id)
      return bad(
        e.id,
        'outcome-mismatch',
        `outcome record ${r.id} beside entry ${e.id} was sealed for another entry (${r.entryId})`,
      );
    if (r.outcome !== e.outcome)
      return bad(
        e.id,
        'outcome-mismatch',
        `entry ${e.id}'s outcome is ${e.outcome ?? 'none'}, but its sealed record ${r.id} says ${r.outcome}`,
      );
    const linked = this.link(e.id, r);
    if (linked) return linked;
    this.counts.sealed += 1;
    return null;
  }

  notes(): string[] {
    const { sealed, linksChecked, withoutRecord, notSealed } = this.counts;
    const notes = [
      `outcomes: ${sealed} checked against their sealed records, ${linksChecked} links between records checked; links to records of entries outside this file cannot be checked here`,
    ];
    if (withoutRecord)
      notes.push(
        `${withoutRecord} entries have an outcome but no outcome record (the server stopped between recording and sealing it, or the record was removed): those outcomes are unproven`,
      );
    if (notSealed)
      notes.push(`${notSealed} outcomes were recorded before outcomes were sealed: not covered`);
    return notes;
  }

  private link(entryId: number, r: ExportOutcomeRecord): Bad | null {
    if (this.open.has(r.id))
      return bad(entryId, 'outcome-mismatch', `outcome record ${r.id} appears twice`);
    const me: Link = { hash: r.hash, prevHash: r.prevHash, linkedPrev: false, linkedNext: false };
    const before = this.open.get(r.id - 1);
    if (before) {
      if (r.prevHash !== before.hash)
        return bad(
          entryId,
          'broken-link',
          `outcome record ${r.id} does not link to record ${r.id - 1}: its prevHash is not that record's hash (a record was replaced)`,
        );
      this.linked(r.id - 1, before, 'next');
      me.linkedPrev = true;
    }
    const after = this.open.get(r.id + 1);
    if (after) {
      if (after.prevHash !== r.hash)
        return bad(
          entryId,
          'broken-link',
          `outcome record ${r.id + 1} does not link to record ${r.id}: its prevHash is not that record's hash (a record was replaced)`,
        );
      this.linked(r.id + 1, after, 'prev');
      me.linkedNext = true;
    }
    if (!(me.linkedPrev && me.linkedNext)) this.open.set(r.id, me);
    if (this.open.size > MAX_OPEN) this.open.delete(this.open.keys().next().value ?? 0);
    return null;
  }

  private linked(id: number, link: Link, side: 'prev' | 'next'): void {
    this.counts.linksChecked += 1;
    if (side === 'prev') link.linkedPrev = true;
    else link.linkedNext = true;
    if (link.linkedPrev && link.linkedNext) this.open.delete(id);
  }
}

function recordHash(r: ExportOutcomeRecord): string {
  return createHash('sha256').update(outcomeHashInput(r)).digest('hex');
}
