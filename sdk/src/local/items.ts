import type { LocalOutcome, LocalRecord } from '../types';

/**
 * What local mode ships, queues and spools, in order: decision records (carrying their outcome
 * when the tool finished before shipping) and outcomes of records already gone. An outcome always
 * comes after its record, so in any chunk of the sequence it is in the record's batch or a later
 * one — and the server applies a batch's entries before its outcomes.
 */
export type ShipItem = LocalRecord | LocalOutcome;

/** How a call ended, as the guard measured it. */
export type CallResult = Pick<LocalOutcome, 'outcome' | 'durationMs' | 'error' | 'resultFindings' | 'resultEffect'>;

// The server's bounds (recordBatch refuses a whole batch over them, which would hold up every
// record behind it): a tool that ran longer than a day is recorded as a day.
const MAX_DURATION_MS = 86_400_000;
const MAX_ERROR_CHARS = 2000;

/** A result clamped to what the server accepts. */
export function bounded(result: CallResult): CallResult {
  const durationMs = Math.min(Math.max(result.durationMs, 0), MAX_DURATION_MS);
  const out: CallResult = { outcome: result.outcome, durationMs };
  if (result.error !== undefined) out.error = result.error.slice(0, MAX_ERROR_CHARS);
  if (result.resultFindings?.length) out.resultFindings = result.resultFindings.slice(0, 256);
  if (result.resultEffect) out.resultEffect = result.resultEffect;
  return out;
}

/** Records have an agent; outcomes only name their record's entryKey. */
export function isRecord(item: ShipItem): item is LocalRecord {
  return 'agent' in item;
}

/**
 * One `sdk.recordBatch` input from a chunk of the sequence. An outcome whose record is in the same
 * chunk (a replayed spool) rides on the record itself: one insert instead of insert + update.
 */
export function toBatch(items: readonly ShipItem[]): {
  entries: LocalRecord[];
  outcomes: LocalOutcome[];
} {
  const entries: LocalRecord[] = [];
  const byKey = new Map<string, number>();
  const outcomes: LocalOutcome[] = [];
  for (const item of items) {
    if (isRecord(item)) {
      byKey.set(item.entryKey, entries.length);
      entries.push(item);
      continue;
    }
    const at = byKey.get(item.entryKey);
    const record = at === undefined ? undefined : entries[at];
    if (at !== undefined && record && record.outcome === undefined)
      entries[at] = { ...record, ...item };
    else outcomes.push(item);
  }
  return { entries, outcomes };
}
