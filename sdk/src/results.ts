import {
  canonicalJson,
  compileCustomDetectors,
  scan,
  scanAndMask,
  scanValue,
  type CustomDetector,
  type CustomDetectorSpec,
  type ResultEffect,
  type ScanFinding,
} from '@aegis/shared';
import { waitForApproval, waitToAnnounce } from './approvalWait';
import {
  AegisApprovalDeniedError,
  AegisApprovalTimeoutError,
  AegisBlockedError,
  AegisError,
  type AegisErrorDetails,
} from './errors';
import type { GuardRuntime } from './guard';
import type { ToolMeta } from './types';

/** The `on: result` rules that apply to one call, as the guard sees them. */
export interface ResultRules {
  /** Custom detectors of the agent's policy. */
  detectors: readonly CustomDetector[];
  /**
   * Local mode: the in-process evaluation (the same `evaluateResult` the server runs). Absent in
   * strict mode, where the server answers `sdk.result`; local mode asks it only to hold a result.
   */
  judge?: (findings: { args: ScanFinding[]; result: ScanFinding[]; truncated?: boolean }) => { effect: ResultEffect; reason: string };
}

/** What goes with the outcome report: what DLP found in the result, what a rule did with it. */
export interface ResultReport {
  resultFindings?: ScanFinding[];
  resultEffect?: ResultEffect;
}

export interface ScreenedResult<T> {
  /** What the agent receives: the result, or its masked copy (REDACT). */
  value: T;
  report: ResultReport;
  /** BLOCK, or a held result a reviewer withheld (or nobody decided on): thrown after reporting. */
  refusal?: AegisError;
}

// A result is scanned for the record even when no rule reads it; past this it is not looked at.
const REPORT_SCAN_CHARS = 256 * 1024;
const PREVIEW_CHARS = 4000;

const compiled = new Map<string, CustomDetector[]>();

/** Compiles the detectors a decision names (cached: they change only with the policy). */
export function detectorsFrom(specs: readonly CustomDetectorSpec[]): CustomDetector[] {
  if (specs.length === 0) return [];
  const key = canonicalJson(specs);
  let found = compiled.get(key);
  if (!found) {
    found = compileCustomDetectors(specs);
    if (compiled.size > 64) compiled.clear();
    compiled.set(key, found);
  }
  return found;
}

/**
 * What the model reads of a result: the result itself when it is plain data (objects, arrays,
 * strings, numbers…), else its JSON form — a class instance (an ORM record, a model object) or an
 * object with `toJSON` reaches the model as what `JSON.stringify` makes of it, while the DLP walk
 * looks only into plain objects. Scanning the instance as it is found nothing, and an SSN under a
 * REDACT rule reached the model raw (attack review 13). A value that is not plain data and that
 * `JSON.stringify` can't write (a cycle through a class instance, a BigInt) is `unseen`: the scan
 * can't vouch for it, so rules over `dlp` fail closed as past the scan's limits.
 */
export function readableForm(result: unknown): { value: unknown; unseen: boolean } {
  if (isPlainData(result)) return { value: result, unseen: false };
  try {
    const json = JSON.stringify(result);
    return json === undefined ? { value: result, unseen: false } : { value: JSON.parse(json) as unknown, unseen: false };
  } catch {
    return { value: result, unseen: true };
  }
}

/**
 * Whether everything the scan would walk is plain data: no deeper than the scan looks (64
 * levels; past them it stops and fails closed), and no more than a million objects (a value whose
 * objects refer to each other many times over would otherwise take forever) — past that, the
 * JSON form is scanned.
 */
function isPlainData(root: unknown): boolean {
  let budget = 1 << 20;
  const plain = (value: unknown, depth: number): boolean => {
    if (value === null || typeof value !== 'object') return true;
    if (depth > 64) return true; // the scan stops there too, and fails closed
    if (--budget < 0) return false; // too many to look at: the JSON form is scanned instead
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) return false;
      for (const item of value) if (!plain(item, depth + 1)) return false;
      return true;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return false;
    const record = value as Record<string, unknown>;
    if (typeof record.toJSON === 'function') return false;
    for (const key of Object.keys(record)) if (!plain(record[key], depth + 1)) return false;
    return true;
  };
  return plain(root, 0);
}

/** A result no rule reads: handed over as it is, scanned only for the record. */
export function scanForRecord<T>(result: T): ScreenedResult<T> {
  const { findings } = scan(readableForm(result).value, { maxChars: REPORT_SCAN_CHARS });
  return { value: result, report: findings.length ? { resultFindings: findings } : {} };
}

/**
 * Screens a tool's result before the agent (and its model) sees it. Without result rules it is
 * only scanned for the record. With them: the findings (never the result) go to the policy —
 * in-process in local mode, `sdk.result` in strict mode — and the result is handed over (ALLOW),
 * masked (REDACT), dropped (BLOCK), or held until a reviewer releases or withholds it (REVIEW;
 * the reviewer sees a masked preview, the raw result never leaves this process).
 */
export async function screenResult<T>(
  rt: GuardRuntime,
  call: { agent: string; action: string; args: Record<string, unknown>; timeoutMs?: number; tool?: ToolMeta },
  callId: string,
  result: T,
  rules: ResultRules | undefined,
): Promise<ScreenedResult<T>> {
  if (!rules) return scanForRecord(result);
  const custom = rules.detectors;
  // REDACT hands over the masked copy of this form: a class instance comes back as plain data.
  const readable = readableForm(result);
  const scanned = scanAndMask(readable.value, { custom });
  const { findings, masked } = scanned;
  const truncated = scanned.truncated || readable.unseen;
  const argsFindings = scanValue(call.args, { custom });
  const details: AegisErrorDetails = { agent: call.agent, action: call.action, callId };
  let effect: ResultEffect;
  let reason: string;
  let approvalId: number | null = null;
  // `truncated`: the result was too large or deep to scan whole; rules over `dlp` fail closed.
  const local = rules.judge?.({ args: argsFindings, result: findings, truncated });
  if (local && local.effect !== 'REVIEW') ({ effect, reason } = local);
  else {
    // Strict mode, or a result local mode must hold: only the server opens an approval.
    const answer = await rt.api.sdk.result.mutate({
      agent: call.agent,
      action: call.action,
      callId,
      findings,
      argsFindings,
      truncated,
      preview: previewOf(masked),
      ...(call.tool ? { tool: call.tool } : {}),
      ...waitToAnnounce(call.timeoutMs ?? rt.defaultTimeoutMs),
    });
    ({ effect, reason, approvalId } = answer);
  }
  const report: ResultReport = { resultEffect: effect };
  if (findings.length) report.resultFindings = findings;
  const why = { ...details, reason };
  switch (effect) {
    case 'ALLOW':
      return { value: result, report };
    case 'REDACT':
      return { value: masked as T, report };
    case 'BLOCK':
      return {
        value: result,
        report,
        refusal: new AegisBlockedError(`Aegis withheld the result of "${call.action}" for agent "${call.agent}": ${reason}`, why),
      };
    case 'REVIEW':
      return { value: result, report, refusal: await awaitRelease(rt, call, approvalId, why, call.timeoutMs ?? rt.defaultTimeoutMs) };
  }
}

/** Waits for a reviewer: undefined when released, the refusal to throw otherwise. */
async function awaitRelease(
  rt: GuardRuntime,
  call: { agent: string; action: string },
  approvalId: number | null,
  why: AegisErrorDetails,
  timeoutMs: number,
): Promise<AegisError | undefined> {
  if (approvalId === null) return new AegisError('INTERNAL', 'The server held the result without an approval id', why);
  const outcome = await waitForApproval(rt.api, rt.feed, approvalId, timeoutMs);
  const with_ = { ...why, approvalId };
  if (outcome === 'APPROVED') return undefined;
  if (outcome === 'TIMEOUT') {
    await rt.api.sdk.approvalTimeout.mutate({ id: approvalId }).catch((error: unknown) => rt.onBackgroundError(error));
    return new AegisApprovalTimeoutError(
      `Nobody released the result of "${call.action}" for agent "${call.agent}" in time (approval #${approvalId}); it is withheld`,
      with_,
    );
  }
  return new AegisApprovalDeniedError(
    `A reviewer withheld the result of "${call.action}" for agent "${call.agent}" (approval #${approvalId})`,
    with_,
  );
}

function previewOf(masked: unknown): string {
  let json: string;
  try {
    json = typeof masked === 'string' ? masked : canonicalJson(masked ?? null);
  } catch {
    json = '"[a result that is not JSON]"';
  }
  return json.length > PREVIEW_CHARS ? `${json.slice(0, PREVIEW_CHARS - 1)}…` : json;
}
