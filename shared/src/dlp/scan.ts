import type { CustomDetector } from './custom/customDetector';
import { applyMasks, detectString, matchesSelected, type DetectorSelection } from './detect';
import { NO_CONTEXT } from './keys';
import type { ScanFinding, DlpMatch } from './types';
import { walk, type PathStack } from './walk';

export interface ScanOptions {
  /** Detectors declared in policy, compiled by `validateCustomDetector`. */
  custom?: readonly CustomDetector[];
  /** @defaultValue 64 (the server refuses JSON nested deeper) */
  maxDepth?: number;
  /** Characters (strings and keys) examined in all. @defaultValue 1 MiB */
  maxChars?: number;
  /** @defaultValue 256 */
  maxFindings?: number;
}

export interface ScanResult {
  findings: ScanFinding[];
  /** A size, depth or findings limit was reached: part of the value was not scanned. */
  truncated: boolean;
}

export const SCAN_DEFAULTS = { maxDepth: 64, maxChars: 1024 * 1024, maxFindings: 256 } as const;
const KEY_SEGMENT_LIMIT = 128;

/**
 * Scans any JSON value (tool arguments or a tool result) and says what sensitive data it holds
 * and where — never the data itself.
 *
 * @example
 * ```ts
 * scanValue({ to: 'ops@example.com', note: 'card 4111 1111 1111 1111' });
 * // [{ detector: 'email', path: '/to', count: 1, confidence: 0.95 },
 * //  { detector: 'card', path: '/note', count: 1, confidence: 0.95 }]
 * ```
 */
export function scanValue(value: unknown, options: ScanOptions = {}): ScanFinding[] {
  return scan(value, options).findings;
}

/**
 * {@link scanValue}, and whether the size or depth limit cut the scan short: what lies past it was
 * not looked at, so a rule that found nothing there fails closed (see `PolicyFacts.dlpTruncated`).
 * The findings cap loses no detector and no count ({@link addFindings}), so it does not count.
 */
export function scan(value: unknown, options: ScanOptions = {}): ScanResult {
  const custom = options.custom ?? [];
  const maxFindings = options.maxFindings ?? SCAN_DEFAULTS.maxFindings;
  const findings: ScanFinding[] = [];
  const record = (matches: readonly DlpMatch[], path: PathStack) => {
    if (matches.length === 0) return;
    addFindings(findings, summarize(matches, path.pointer()), maxFindings);
  };
  const result = walk(
    value,
    {
      leaf(text, context, path) {
        record(detectString(text, context, custom), path);
        return undefined;
      },
      key(key, path) {
        if (mayHoldData(key)) record(detectString(key, NO_CONTEXT, custom), path);
        return undefined;
      },
    },
    {
      maxDepth: options.maxDepth ?? SCAN_DEFAULTS.maxDepth,
      maxChars: options.maxChars ?? SCAN_DEFAULTS.maxChars,
      beyond: 'keep',
    },
    displayKey,
  );
  return { findings, truncated: result.truncated };
}

/**
 * Adds one value's findings to `list`, each with its own path while the list holds fewer than
 * `max`. Past that a finding still counts: its matches are added to the last listed finding of its
 * detector, or, for a detector not listed yet, it takes the place of the last finding of a
 * detector listed more than once (whose count moves to that detector's first finding). So the
 * list never grows past `max` (what the API takes), and every detector that matched is on it with
 * every match counted. Rules read which detectors matched and how often (`dlp.found('card')`,
 * `dlp.count`): 300 harmless e-mail addresses ahead of a card number must not push the card out of
 * what a rule sees (attack review 10: they did, and a BLOCK on `dlp.found('card')` let the card
 * through). Only some paths past the cap are not listed.
 */
export function addFindings(list: ScanFinding[], found: readonly ScanFinding[], max: number): void {
  for (const finding of found) {
    if (list.length < max) {
      list.push(finding);
      continue;
    }
    let same = -1;
    for (let i = list.length - 1; i >= 0 && same < 0; i--) if (list[i]!.detector === finding.detector) same = i;
    if (same >= 0) {
      merge(list[same]!, finding);
      continue;
    }
    const first = new Map<string, number>();
    list.forEach((f, i) => first.has(f.detector) || first.set(f.detector, i));
    let slot = -1;
    for (let i = list.length - 1; i >= 0 && slot < 0; i--) if (first.get(list[i]!.detector)! < i) slot = i;
    // Every listed finding of its own detector (more detectors than `max`): listed past the cap.
    if (slot < 0) list.push(finding);
    else {
      merge(list[first.get(list[slot]!.detector)!]!, list[slot]!);
      list[slot] = finding;
    }
  }
}

function merge(into: ScanFinding, from: ScanFinding): void {
  into.count += from.count;
  into.confidence = Math.max(into.confidence, from.confidence);
}

/**
 * {@link scanValue} for a policy that asks only about some detectors (`dlp.found('secret')`): the
 * full scan's findings when a selected detector matches somewhere, else none. Either way the
 * selected detectors' findings are exactly the full scan's, so a policy reading only them decides
 * the same. The selected detectors run first, alone (the same walk, limits and contexts); only if
 * one of them matches is the full scan made — resolving overlaps and the findings cap only ever
 * drop matches, so with no match there is nothing of theirs for the full scan to find.
 */
export function scanValueFor(value: unknown, selection: DetectorSelection, options: ScanOptions = {}): ScanFinding[] {
  let hit = false;
  walk(
    value,
    {
      leaf(text, context) {
        if (!hit && matchesSelected(text, context, selection)) hit = true;
        return undefined;
      },
      key(key) {
        if (!hit && mayHoldData(key) && matchesSelected(key, NO_CONTEXT, selection)) hit = true;
        return undefined;
      },
    },
    {
      maxDepth: options.maxDepth ?? SCAN_DEFAULTS.maxDepth,
      maxChars: options.maxChars ?? SCAN_DEFAULTS.maxChars,
      beyond: 'keep',
    },
    displayKey,
  );
  return hit ? scanValue(value, options) : [];
}

/** One finding per detector for the matches in one value. */
export function summarize(matches: readonly DlpMatch[], path: string): ScanFinding[] {
  const byDetector = new Map<string, ScanFinding>();
  for (const m of matches) {
    const f = byDetector.get(m.detector);
    if (f) {
      f.count++;
      f.confidence = Math.max(f.confidence, m.confidence);
    } else {
      byDetector.set(m.detector, { detector: m.detector, path, count: 1, confidence: m.confidence });
    }
  }
  return [...byDetector.values()];
}

/** Keys are names, not data, unless one is long or has digits or an `@` (a card number used as a key). */
export function mayHoldData(key: string): boolean {
  return key.length >= 4 && (key.length >= 16 || /[\d@]/.test(key));
}

/**
 * How a key appears in a finding's path and in masked output: sensitive parts masked, cut to
 * 128 characters. A path must never carry the value it points at.
 */
export function displayKey(key: string): string {
  const shown = key.length > KEY_SEGMENT_LIMIT ? `${key.slice(0, KEY_SEGMENT_LIMIT)}…` : key;
  return mayHoldData(key) ? applyMasks(shown, detectString(shown, NO_CONTEXT)) : shown;
}
