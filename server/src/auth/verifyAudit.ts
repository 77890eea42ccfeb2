import type { Connection } from 'mongoose';
import type { AuditVerifyInput } from '@aegis/shared';
import {
  hashAuditEntry,
  HASHED_AUDIT_FIELDS,
  OPTIONAL_HASHED_AUDIT_FIELDS,
  type HashedFinding,
} from '../data/auditChain';
import type { AuditVerifyResult } from './types';
import {
  checkCallArgs,
  OUTCOME_CHECK_FIELDS,
  OutcomeJoin,
  walkOutcomeChain,
  type EntryOutcomeFields,
} from './verifyOutcomes';

interface StoredEntry extends EntryOutcomeFields {
  id?: unknown;
  timestamp?: unknown;
  agent?: unknown;
  action?: unknown;
  status?: unknown;
  details?: unknown;
  callId?: unknown;
  approvalId?: unknown;
  argsPreview?: unknown;
  prevHash?: unknown;
  source?: unknown;
  actor?: unknown;
  findings?: unknown;
  rule?: unknown;
  channel?: unknown;
  upstream?: unknown;
  upstreamTool?: unknown;
}

/** Stored values as text; anything that is not a string hashes as its JSON, so a changed type still shows. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value) ?? '';
}

function str(value: unknown): string | null {
  return value === null || value === undefined ? null : text(value);
}

/** A stored deciding rule, hashed as its canonical JSON; anything else as its text (so a change shows). */
function ruleOf(value: unknown): { id: string; scope: string; version: number } | null {
  if (value === null || value === undefined) return null;
  const r = value as { id?: unknown; scope?: unknown; version?: unknown };
  if (typeof r === 'object' && Object.keys(r).length === 3)
    return { id: text(r.id), scope: text(r.scope), version: Number(r.version) };
  return { id: text(value), scope: '', version: -1 };
}

/**
 * A value of the wrong type hashes as this, which no written entry carries: an id edited into a
 * string, or findings into an object, must break the hash, not pass as "none".
 */
const WRONG_TYPE = -1;

function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'number' ? value : WRONG_TYPE;
}

function findingsOf(value: unknown): HashedFinding[] | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value as HashedFinding[];
  return [{ detector: text(value), path: '', count: WRONG_TYPE, confidence: WRONG_TYPE }];
}

/** The hash an entry should carry, recomputed from its stored fields. */
function expectedHash(doc: StoredEntry): string {
  return hashAuditEntry({
    id: Number(doc.id),
    timestamp: text(doc.timestamp),
    agent: text(doc.agent ?? ''),
    action: text(doc.action ?? ''),
    status: text(doc.status ?? ''),
    details: text(doc.details ?? ''),
    callId: str(doc.callId),
    approvalId: numberOrNull(doc.approvalId),
    argsPreview: str(doc.argsPreview),
    prevHash: str(doc.prevHash),
    source: str(doc.source),
    actor: str(doc.actor),
    // Hashed as stored: an edited or removed finding breaks the hash like any other field.
    findings: findingsOf(doc.findings),
    rule: ruleOf(doc.rule),
    channel: str(doc.channel),
    upstream: str(doc.upstream),
    upstreamTool: str(doc.upstreamTool),
    callArgsHash: str(doc.callArgsHash),
    // As stored: anything but the `true` that was hashed (a string, false) breaks the hash.
    outcomeSealed: doc.outcomeSealed as boolean | null | undefined,
  });
}

/**
 * What the walk reads of each entry: the fields its hash covers and the hash, and what is checked
 * against the outcome chain and the arguments' digest (an entry also carries its search words…).
 */
const VERIFY_PROJECTION = Object.fromEntries<0 | 1>([
  ['_id', 0],
  ...[...HASHED_AUDIT_FIELDS, ...OPTIONAL_HASHED_AUDIT_FIELDS, 'hash', ...OUTCOME_CHECK_FIELDS].map(
    (f): [string, 1] => [f, 1],
  ),
]);

/**
 * Walks `audit_log` in id order and names the first broken link:
 * - an edited entry no longer matches its own hash;
 * - a deleted entry leaves a gap in the ids, and its successor's prevHash points at nothing;
 * - reordered entries carry prevHashes that no longer match their new predecessors;
 * - stored call arguments no longer match the digest the entry's hash covers;
 * - an outcome no longer matches its record in the outcome chain, which is walked the same way.
 * Deleting the newest entries leaves no trace in a hash chain (nothing follows them), so that is
 * checked only against heads noted earlier, apart from the server (`noted`): each must still be a
 * link of its chain, or links were cut off its end (or the chain was rewritten) since.
 */
export async function verifyAuditChain(
  connection: Connection,
  noted: AuditVerifyInput = {},
): Promise<AuditVerifyResult> {
  // The outcome chain first: an edited record is named as such, not as the entry it no longer
  // matches.
  const chain = await walkOutcomeChain(connection, noted.outcomeHead);
  const join = new OutcomeJoin(connection);
  join.report.records = chain.records;
  if (chain.firstBad) {
    await join.close();
    const { entryId, record, reason } = chain.firstBad;
    return {
      ok: false,
      checked: 0,
      firstBad: { id: entryId, reason, outcomeRecord: record },
      outcomes: join.report,
    };
  }
  const { notedSeen, ...walked } = await walkAuditLog(connection, join, noted.head).catch(
    async (error: unknown) => {
      await join.close();
      throw error;
    },
  );
  if (!walked.ok) {
    await join.close();
    return walked;
  }
  const stray = await join.finish();
  if (stray) return { ...walked, ok: false, firstBad: { id: -1, reason: stray } };
  const heads = { entry: walked.heads?.entry ?? null, outcome: chain.head };
  const after = (head: { id: number } | null) => (head ? head.id + 1 : 1);
  if (noted.head && !notedSeen)
    return {
      ...walked,
      ok: false,
      firstBad: { id: after(heads.entry), reason: cutOff('entry', noted.head, heads.entry) },
    };
  if (noted.outcomeHead && !chain.notedSeen)
    return {
      ...walked,
      ok: false,
      firstBad: {
        id: -1,
        reason: cutOff('outcome record', noted.outcomeHead, heads.outcome),
        outcomeRecord: after(heads.outcome),
      },
    };
  return { ...walked, heads };
}

/** Why a noted head that its chain no longer holds fails verification. */
function cutOff(what: 'entry' | 'outcome record', hash: string, head: { id: number } | null): string {
  const newest = head ? `its newest is ${what} ${head.id}` : `it is empty`;
  const plural = what === 'entry' ? 'entries' : 'outcome records';
  return (
    `the ${what} ${hash} you noted is not in the chain (${newest}): ${plural} were cut off its ` +
    `end since, or the chain was rewritten — or the hash is of another deployment's chain`
  );
}

async function walkAuditLog(
  connection: Connection,
  join: OutcomeJoin,
  noted: string | undefined,
): Promise<AuditVerifyResult & { notedSeen: boolean }> {
  const cursor = connection
    .collection('audit_log')
    .find({}, { projection: VERIFY_PROJECTION })
    .sort({ id: 1 })
    .batchSize(1000);
  let checked = 0;
  let notedSeen = false;
  let prev: { id: number; hash: string } | null = null;
  try {
    for await (const raw of cursor) {
      const doc = raw as StoredEntry;
      const id = Number(doc.id);
      const bad = (reason: string) => ({
        ok: false,
        checked,
        firstBad: { id: Number.isFinite(id) ? id : -1, reason },
        outcomes: join.report,
        notedSeen,
      });
      if (!Number.isSafeInteger(id) || id <= 0)
        return bad(`entry has an invalid id (${String(doc.id)})`);
      if (typeof doc.hash !== 'string' || doc.hash !== expectedHash(doc)) {
        return bad(`entry ${id} was modified: its contents no longer match its hash`);
      }
      if (prev === null) {
        if (doc.prevHash !== null && doc.prevHash !== undefined) {
          return bad(
            `entry ${id} follows an entry that is missing (the log starts with a link to a predecessor)`,
          );
        }
      } else {
        if (id !== prev.id + 1) {
          const missing =
            id - 1 === prev.id + 1
              ? `entry ${prev.id + 1} is`
              : `entries ${prev.id + 1}–${id - 1} are`;
          return bad(`${missing} missing: ids jump from ${prev.id} to ${id}`);
        }
        if (doc.prevHash !== prev.hash) {
          return bad(
            `entry ${id} does not follow entry ${prev.id}: its prevHash does not match (entries reordered or replaced)`,
          );
        }
      }
      const args = checkCallArgs(id, doc);
      if ('bad' in args) return bad(args.bad);
      if ('unsealed' in args) join.report.argsNotSealed += 1;
      const outcome = await join.check(id, doc);
      if (outcome) return bad(outcome);
      if (doc.hash === noted) notedSeen = true;
      prev = { id, hash: doc.hash };
      checked += 1;
    }
  } finally {
    await cursor.close();
  }
  return {
    ok: true,
    checked,
    firstBad: null,
    outcomes: join.report,
    heads: { entry: prev, outcome: null },
    notedSeen,
  };
}
