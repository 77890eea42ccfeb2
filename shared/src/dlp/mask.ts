import type { CustomDetector } from './custom/customDetector';
import { applyMasks, detectString } from './detect';
import { SCAN_DEFAULTS, displayKey, mayHoldData } from './scan';
import type { ScanFinding } from './types';
import { walk, type WalkLimits } from './walk';

export interface MaskOptions {
  custom?: readonly CustomDetector[];
  maxDepth?: number;
  maxChars?: number;
}

/**
 * A copy of the value with every match of every detector masked, in one pass: card numbers keep
 * their last four digits (`************1111`), SSNs theirs (`***-**-6789`), phone numbers theirs,
 * e-mails their first letter and domain, dates of birth nothing, secrets become
 * `[REDACTED:<kind>]`. Keys holding sensitive data are masked too. Whatever lies beyond the
 * limits (nested deeper than `maxDepth`, past `maxChars`) becomes `[REDACTED:not scanned]`.
 */
export function maskValue(value: unknown, options: MaskOptions = {}): unknown {
  const custom = options.custom ?? [];
  return walk(
    value,
    {
      leaf(text, context) {
        const matches = detectString(text, context, custom);
        return matches.length === 0 ? undefined : applyMasks(text, matches);
      },
      key: (key) => (mayHoldData(key) ? nonEqual(displayKey(key), key) : undefined),
    },
    limits(options),
    displayKey,
  ).value;
}

/**
 * Masks what the findings point at: the matched parts where the detector finds them again, the
 * whole value where it doesn't (a custom detector not passed in, or a value that changed), so a
 * finding never leaves its value readable. Keys are masked as in {@link maskValue}.
 */
export function redactWithFindings(value: unknown, findings: readonly ScanFinding[], options: MaskOptions = {}): unknown {
  if (findings.length === 0) return maskKeysOnly(value, options);
  const byPath = new Map<string, Set<string>>();
  for (const f of findings) {
    const set = byPath.get(f.path) ?? new Set<string>();
    set.add(f.detector);
    byPath.set(f.path, set);
  }
  const custom = options.custom ?? [];
  return walk(
    value,
    {
      leaf(text, context, path) {
        const detectors = byPath.get(path.pointer());
        if (!detectors) return undefined;
        const matches = detectString(text, context, custom).filter((m) => detectors.has(m.detector));
        if (matches.length > 0) return applyMasks(text, matches);
        return `[REDACTED:${[...detectors].join(',')}]`;
      },
      key: (key) => (mayHoldData(key) ? nonEqual(displayKey(key), key) : undefined),
    },
    limits(options),
    displayKey,
  ).value;
}

function maskKeysOnly(value: unknown, options: MaskOptions): unknown {
  return walk(
    value,
    { leaf: () => undefined, key: (key) => (mayHoldData(key) ? nonEqual(displayKey(key), key) : undefined) },
    limits(options),
    displayKey,
  ).value;
}

/** Masking has no size limit by default (what it returns is shown to people); too deep is replaced. */
function limits(options: MaskOptions): WalkLimits {
  return {
    maxDepth: options.maxDepth ?? SCAN_DEFAULTS.maxDepth,
    maxChars: options.maxChars ?? Number.POSITIVE_INFINITY,
    beyond: 'replace',
  };
}

function nonEqual(next: string, key: string): string | undefined {
  return next === key ? undefined : next;
}

/**
 * Free text a person or an agent supplies — a report's details, a reviewer's comment, an agent's
 * description, a kill-switch reason — as it may be stored and shown: everything DLP finds masked,
 * as in arguments. The audit log is hash-chained and exported, so text is masked before it is
 * stored, never on the way out. Idempotent: masked text holds nothing a detector finds again, so
 * text masked by the SDK or by an earlier step stays as it is.
 */
export function maskedText(text: string, custom: readonly CustomDetector[] = []): string {
  if (text === '') return text;
  const masked = maskValue(text, { custom });
  return typeof masked === 'string' ? masked : '';
}

/** How much of a tool's error message is kept. */
export const TOOL_ERROR_CHARS = 2_000;

/**
 * A tool's error message as it may leave the agent's process or enter the audit log: an error
 * can quote what the tool failed on (a connection string, the customer's record), so everything
 * DLP finds in it is masked, and it is cut to {@link TOOL_ERROR_CHARS}. Masked before it is cut,
 * so no value is cut in half and left readable.
 */
export function maskedToolError(message: string, custom: readonly CustomDetector[] = []): string {
  return maskedText(message.slice(0, 2 * TOOL_ERROR_CHARS), custom).slice(0, TOOL_ERROR_CHARS);
}
