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
    recovered: 0,
  };
  private readonly open = new Map<number, Link>();
  /** The outcome chain's head the report names; undefined until its `verification` is read. */
  private head: { id: number | null; hash: string | null } | undefined = undefined;
  headCovered = false;
  private trustedSeen = false;
  /** Records' hashes by id, kept while the report has not named its outcome head yet. */
  private readonly beforeHead = new Map<number, string>();

  constructor(
    /** The outcome chain's head hash, known apart from the file: a record in it must have it. */
    private readonly trustedHeadHash?: string,
  ) {}

  /** The outcome head the report names (its `verification` section); an export before it: none. */
  setHead(head: { id: number | null; hash: string | null } | undefined): Bad | null {
    this.head = head ?? { id: null, hash: null };
    let failed: Bad | null = null;
    for (const [id, hash] of this.beforeHead) failed ??= this.checkHead(id, hash);
    this.beforeHead.clear();
    return failed;
  }

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
    if (r.recovered === true) this.counts.recovered += 1;
    if (r.hash === this.trustedHeadHash) this.trustedSeen = true;
    const head = this.seen(r.id, r.hash);
    if (head) return head;
    this.counts.sealed += 1;
    return null;
  }

  /** The outcome head the report names (nulls: none, or not read yet). */
  headOf(): { id: number | null; hash: string | null } {
    return { id: this.head?.id ?? null, hash: this.head?.hash ?? null };
  }

  /** After the whole file: the trusted outcome head must have been among its records. */
  finalBad(): Bad | null {
    if (!this.trustedHeadHash || this.trustedSeen) return null;
    return {
      id: null,
      problem: 'head-mismatch',
      reason: `no outcome record of the trail has the trusted outcome head hash ${short(this.trustedHeadHash)}: records were cut off the end of the outcome chain, or this export is of another chain (or that record's entry is outside the export's range or agents)`,
    };
  }

  private seen(id: number, hash: string): Bad | null {
    if (this.head === undefined) {
      if (this.beforeHead.size < MAX_OPEN) this.beforeHead.set(id, hash);
      return null;
    }
    return this.checkHead(id, hash);
  }

  /** The record the report names as the outcome chain's head must be that record of the trail. */
  private checkHead(id: number, hash: string): Bad | null {
    if (this.head?.id !== id) return null;
    if (hash === this.head.hash) {
      this.headCovered = true;
      return null;
    }
    return {
      id: null,
      problem: 'head-mismatch',
      reason: `the report names outcome record ${id} as the outcome chain's head with hash ${short(this.head.hash)}, but record ${id} in the trail has hash ${short(hash)}`,
    };
  }

  notes(): string[] {
    const { sealed, linksChecked, withoutRecord, notSealed, recovered } = this.counts;
    const notes = [
      `outcomes: ${sealed} checked against their sealed records, ${linksChecked} links between records checked; links to records of entries outside this file cannot be checked here`,
    ];
    if (withoutRecord)
      notes.push(
        `${withoutRecord} entries have an outcome but no outcome record (its seal was still pending when the report was written, or the record was removed): those outcomes are unproven`,
      );
    if (recovered)
      notes.push(
        `${recovered} outcomes were sealed on recovery (a server stopped between recording and sealing them): sealed later, from the entry as stored then`,
      );
    if (notSealed)
      notes.push(`${notSealed} outcomes were recorded before outcomes were sealed: not covered`);
    const head = this.head;
    if (head?.id != null && !this.headCovered)
      notes.push(
        `the outcome chain's head when the report was written (record ${head.id}) is not in this trail (its entry is outside the range or agents, or the record was removed): pass the outcome head you noted as --outcome-head to rule out records cut off the end`,
      );
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

const short = (hash: string | null | undefined) => (hash ? `${hash.slice(0, 16)}…` : 'none');

function recordHash(r: ExportOutcomeRecord): string {
  return createHash('sha256').update(outcomeHashInput(r)).digest('hex');
}
