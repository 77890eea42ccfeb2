import { createHash } from 'node:crypto';
import { auditHashInput, parseRuleRef } from '@aegis/shared';
import {
  exportChain,
  exportEntry,
  exportVerification,
  type ExportChain,
  type ExportEntry,
  type ExportProblem,
  type ExportVerifyResult,
} from './exportSchemas';
import { OutcomeCheck } from './outcomeCheck';

type Bad = NonNullable<ExportVerifyResult['firstBad']>;

/** A report that cannot be checked at all (rather than one that fails a check). */
export class ReportShapeError extends Error {
  override name = 'ReportShapeError';
}

/** The hash the entry should carry, recomputed from its fields exactly as the server hashed them. */
export function expectedHash(e: ExportEntry): string | null {
  const rule = e.rule === null ? null : parseRuleRef(e.rule);
  if (e.rule !== null && rule === null) return null;
  const input = auditHashInput({
    ...e,
    rule,
    findings: e.findings ?? null,
    channel: e.channel ?? null,
    upstream: e.upstream ?? null,
    upstreamTool: e.upstreamTool ?? null,
  });
  return createHash('sha256').update(input).digest('hex');
}

const bad = (id: number | null, problem: ExportProblem, reason: string): Bad => ({
  id,
  problem,
  reason,
});

/** Remembered hashes of the newest entries, for a report whose head comes after its trail. */
const RECENT = 256;

/**
 * The checks of one export, fed its members and trail entries in file order (the server writes
 * the head first; a reformatted file may not, so every check that needs the head can wait for it).
 */
export class TrailCheck {
  private chain: ExportChain | null = null;
  private filter: string[] | null | undefined = undefined;
  private filterSet: ReadonlySet<string> = new Set();
  /** Each agent's first entry, kept until the report says whether (and to whom) it is filtered. */
  private readonly agentsBeforeFilter = new Map<string, number>();
  private counted: number | null = null;
  private sawTrail = false;
  private checked = 0;
  private links = 0;
  private gaps = 0;
  private inRange = 0;
  private firstId: number | null = null;
  private firstPrevHash: string | null = null;
  private prev: { id: number; hash: string } | null = null;
  /** A gap in a whole-log trail: missing entries, unless the next entry shows a reorder. */
  private pendingGap: Bad | null = null;
  /** The first gap seen before the report said whether it is filtered. */
  private earlyGap: Bad | null = null;
  private headCovered = false;
  private readonly recent = new Map<number, string>();
  private trustedSeen = false;
  private readonly outcomes: OutcomeCheck;
  firstBad: Bad | null = null;

  constructor(
    private readonly trustedHeadHash?: string,
    /** The agents the reader asked for (a filtered trail passes only when it covers them). */
    private readonly expectedAgents?: readonly string[],
    /** The outcome chain's head hash known apart from the file (see OutcomeCheck). */
    trustedOutcomeHeadHash?: string,
  ) {
    this.outcomes = new OutcomeCheck(trustedOutcomeHeadHash);
  }

  member(key: string, value: unknown): void {
    if (key === 'chain') {
      const parsed = exportChain.safeParse(value);
      if (!parsed.success)
        throw new ReportShapeError(
          `the report's "chain" section is malformed (${issue(parsed.error)})`,
        );
      this.chain = parsed.data;
      const seen = parsed.data.headId === null ? undefined : this.recent.get(parsed.data.headId);
      if (seen !== undefined) this.checkHead(parsed.data.headId ?? 0, seen);
    } else if (key === 'verification') {
      const parsed = exportVerification.safeParse(value);
      if (!parsed.success)
        throw new ReportShapeError(
          `the report's "verification" section is malformed (${issue(parsed.error)})`,
        );
      this.setFilter(parsed.data.agentFilter);
      const headBad = this.outcomes.setHead(parsed.data.outcomeHead);
      if (headBad) this.firstBad ??= headBad;
    } else if (key === 'auditEntries' && typeof value === 'number') this.counted = value;
    else if (key === 'auditTrail') this.sawTrail = true;
  }

  /** Checks one trail entry; sets `firstBad` (and the caller stops) at the first failure. */
  entry(index: number, line: number, value: unknown): void {
    this.sawTrail = true;
    const failed = this.check(index, line, value);
    if (failed) this.firstBad = failed;
  }

  private check(index: number, line: number, value: unknown): Bad | null {
    const where = `entry ${index + 1} of the trail (line ${line})`;
    if (typeof value === 'object' && value !== null && !('callId' in value))
      return bad(
        idOf(value),
        'malformed-entry',
        `${where} has no callId: the export was written before exports carried every hashed field; ask the server for a new one`,
      );
    const parsed = exportEntry.safeParse(value);
    if (!parsed.success)
      return bad(idOf(value), 'malformed-entry', `${where} is malformed: ${issue(parsed.error)}`);
    const e = parsed.data;
    const outside = this.outsideFilter(e);
    if (outside) return outside;
    const prev = this.prev;
    // A gap in a whole-log trail is judged by the entry after it: one that belongs in the gap
    // means entries were moved, anything else that they are missing.
    if (this.pendingGap && prev && e.id > prev.id) return this.pendingGap;
    if (expectedHash(e) !== e.hash)
      return bad(
        e.id,
        'modified',
        `entry ${e.id} was modified: its fields no longer match its hash`,
      );
    const outcome = this.outcomes.entry(e);
    if (outcome) return outcome;
    if (prev && e.id <= prev.id)
      return bad(
        e.id,
        'reordered',
        e.id === prev.id
          ? `entry ${e.id} appears twice`
          : `entry ${e.id} comes after entry ${prev.id}: the trail is out of order (entries moved)`,
      );
    if (prev === null) {
      this.firstId = e.id;
      this.firstPrevHash = e.prevHash;
    } else if (e.id === prev.id + 1) {
      if (e.prevHash !== prev.hash)
        return bad(
          e.id,
          'broken-link',
          `entry ${e.id} does not link to entry ${prev.id}: its prevHash is not entry ${prev.id}'s hash (an entry was replaced, or the chain rewritten)`,
        );
      this.links++;
    } else {
      this.gaps++;
      const missing =
        e.id - 1 === prev.id + 1
          ? `entry ${prev.id + 1} is`
          : `entries ${prev.id + 1}–${e.id - 1} are`;
      const gap = bad(
        prev.id + 1,
        'missing-entry',
        `${missing} missing: ids jump from ${prev.id} to ${e.id}, and this export covers every agent, so its trail has no gaps`,
      );
      if (this.filter === null) this.pendingGap = gap;
      else if (this.filter === undefined) this.earlyGap ??= gap;
    }
    if (this.chain?.headId === e.id) {
      const headBad = this.checkHead(e.id, e.hash);
      if (headBad) return headBad;
    }
    if (this.chain === null) {
      this.recent.set(e.id, e.hash);
      if (this.recent.size > RECENT) this.recent.delete(this.recent.keys().next().value ?? 0);
    }
    if (e.hash === this.trustedHeadHash) this.trustedSeen = true;
    this.prev = { id: e.id, hash: e.hash };
    this.checked++;
    if (!e.outsideRange) this.inRange++;
    return null;
  }

  /**
   * A filtered report's trail holds only its agents' entries. The filter is read from the file
   * itself, so one entry of another agent means the file claims a filter it doesn't have — the
   * way a whole-log export with an entry cut out would otherwise pass as "filtered".
   */
  private setFilter(filter: string[] | null): void {
    this.filter = filter;
    if (filter === null) return this.agentsBeforeFilter.clear();
    this.filterSet = new Set(filter);
    for (const [agent, id] of this.agentsBeforeFilter)
      if (!this.filterSet.has(agent)) {
        this.firstBad ??= this.outsideBad(id, agent);
        break;
      }
    this.agentsBeforeFilter.clear();
  }

  private outsideFilter(e: ExportEntry): Bad | null {
    if (this.filter === undefined) {
      if (!this.agentsBeforeFilter.has(e.agent)) this.agentsBeforeFilter.set(e.agent, e.id);
      return null;
    }
    return this.filter !== null && !this.filterSet.has(e.agent)
      ? this.outsideBad(e.id, e.agent)
      : null;
  }

  private outsideBad(id: number, agent: string): Bad {
    return bad(
      id,
      'outside-filter',
      `entry ${id} belongs to agent ${JSON.stringify(agent)}, but the report says its trail holds only ${agentList(this.filter ?? [])}: the report's filter was edited, or entries added`,
    );
  }

  /** A filtered trail, unless the reader said which agents they asked for and it covers them. */
  private filterExpected(): Bad | null {
    const filter = this.filter;
    if (!filter) return null;
    if (!this.expectedAgents)
      return bad(
        null,
        'filtered',
        `the report is filtered to ${agentList(filter)}: entries removed from between theirs cannot show in this file. If you asked for these agents, say so (--agents ${filter.join(',')}); to check the whole log, export it unfiltered`,
      );
    const missing = this.expectedAgents.filter((a) => !this.filterSet.has(a));
    return missing.length
      ? bad(
          null,
          'filtered',
          `the report covers ${agentList(filter)}, not ${agentList(missing)} that you expected`,
        )
      : null;
  }

  private checkHead(id: number, hash: string): Bad | null {
    if (hash === this.chain?.headHash) {
      this.headCovered = true;
      return null;
    }
    const failed = bad(
      id,
      'head-mismatch',
      `the report names entry ${id} as the chain's head with hash ${short(this.chain?.headHash)}, but entry ${id} in the trail has hash ${short(hash)}`,
    );
    this.firstBad ??= failed;
    return failed;
  }

  /** The verdict, once the whole file was read (or a check failed). */
  finish(): ExportVerifyResult {
    const chain = this.chain;
    if (!this.firstBad) {
      if (!chain)
        throw new ReportShapeError('no "chain" section: this is not an Aegis compliance report');
      if (!this.sawTrail)
        throw new ReportShapeError('no "auditTrail": this is not an Aegis compliance report');
      if (this.filter === undefined)
        throw new ReportShapeError(
          'no "verification" section: the export predates offline verification; ask the server for a new one',
        );
      this.firstBad =
        this.pendingGap ??
        (this.filter === null ? this.earlyGap : null) ??
        this.filterExpected() ??
        this.finalChecks(chain) ??
        this.outcomes.finalBad();
    }
    return {
      ok: this.firstBad === null,
      checked: this.checked,
      linksChecked: this.links,
      firstBad: this.firstBad,
      agentFilter: this.filter ?? null,
      firstId: this.firstId,
      lastId: this.prev?.id ?? null,
      head: { id: chain?.headId ?? null, hash: chain?.headHash ?? null, covered: this.headCovered },
      outcomeHead: { ...this.outcomes.headOf(), covered: this.outcomes.headCovered },
      server: chain ? { ok: chain.ok, firstBad: chain.firstBad } : null,
      notes: this.notes(),
      outcomes: this.outcomes.counts,
    };
  }

  private finalChecks(chain: ExportChain): Bad | null {
    if (this.counted !== null && this.inRange < this.counted) {
      const tail =
        !this.headCovered && chain.headId !== null && (this.prev?.id ?? 0) < chain.headId
          ? ` (the trail ends at entry ${this.prev?.id ?? '–'}, before the chain's head, entry ${chain.headId})`
          : '';
      return bad(
        this.prev ? this.prev.id + 1 : null,
        'missing-entry',
        `the report counts ${this.counted} entries in its range, but its trail holds ${this.inRange}: entries were removed${tail}`,
      );
    }
    if (this.trustedHeadHash && !this.trustedSeen)
      return bad(
        null,
        'head-mismatch',
        `no entry of the trail has the trusted head hash ${short(this.trustedHeadHash)}`,
      );
    return null;
  }

  private notes(): string[] {
    const notes: string[] = [];
    const chain = this.chain;
    if (this.firstId !== null)
      notes.push(
        this.firstPrevHash === null
          ? `the trail starts the log (entry ${this.firstId} has no predecessor)`
          : `entry ${this.firstId} links to entry ${this.firstId - 1}, which is before this export: that one link is not checked here`,
      );
    if (this.filter)
      notes.push(
        `filtered to ${this.filter.length} agent(s) (${this.filter.slice(0, 5).join(', ')}${this.filter.length > 5 ? ', …' : ''}): ` +
          `${this.gaps} link(s) across other entries cannot be checked from this file, and an entry removed from such a gap would not show; every entry's own hash was checked`,
      );
    if (chain && chain.headId !== null && !this.headCovered)
      notes.push(
        `the chain's head when the report was written (entry ${chain.headId}) is not in this trail (outside its range or its agents): the head hash could not be compared`,
      );
    if (chain && !chain.ok)
      notes.push(
        `the server reported its own chain broken when it wrote the report${chain.firstBad ? `, at entry ${chain.firstBad.id}: ${chain.firstBad.reason}` : ''}`,
      );
    if (this.counted !== null && this.inRange > this.counted)
      notes.push(
        `the trail holds ${this.inRange - this.counted} more entries than the report counted (written while it was exported)`,
      );
    notes.push(...this.outcomes.notes());
    return notes;
  }
}

function agentList(agents: readonly string[]): string {
  const shown = agents.slice(0, 5).map((a) => JSON.stringify(a));
  const more = agents.length > 5 ? ` and ${agents.length - 5} more` : '';
  return `${agents.length === 1 ? 'agent' : 'agents'} ${shown.join(', ')}${more}`;
}

function idOf(value: unknown): number | null {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : null;
}

function issue(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }): string {
  const first = error.issues[0];
  return first ? `${first.path.map(String).join('.') || 'value'}: ${first.message}` : 'invalid';
}

const short = (hash: string | null | undefined) => (hash ? `${hash.slice(0, 16)}…` : 'none');
