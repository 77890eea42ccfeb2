import type { CustomDetector } from './custom/customDetector';
import { applyMasks, detectString } from './detect';
import { NO_CONTEXT } from './keys';
import { SCAN_DEFAULTS, addFindings, displayKey, mayHoldData, summarize } from './scan';
import type { ScanFinding } from './types';
import { walk } from './walk';

export interface ScanAndMaskResult {
  findings: ScanFinding[];
  /** A size or depth limit stopped the scan; what it did not see is masked as not scanned. */
  truncated: boolean;
  /** The value with every match masked (as `maskValue` does). */
  masked: unknown;
}

/**
 * `scan` and `maskValue` in one pass, for the decision path: the findings that go on the audit
 * entry and the masked copy its preview is made from, each string examined once. Past the size
 * and depth limits nothing is kept readable.
 */
export function scanAndMask(
  value: unknown,
  options: { custom?: readonly CustomDetector[]; maxChars?: number; maxDepth?: number; maxFindings?: number } = {},
): ScanAndMaskResult {
  const custom = options.custom ?? [];
  const maxFindings = options.maxFindings ?? SCAN_DEFAULTS.maxFindings;
  const findings: ScanFinding[] = [];
  const result = walk(
    value,
    {
      leaf(text, context, path) {
        const matches = detectString(text, context, custom);
        if (matches.length === 0) return undefined;
        addFindings(findings, summarize(matches, path.pointer()), maxFindings);
        return applyMasks(text, matches);
      },
      key(key, path) {
        if (!mayHoldData(key)) return undefined;
        const matches = detectString(key, NO_CONTEXT, custom);
        if (matches.length > 0) addFindings(findings, summarize(matches, path.pointer()), maxFindings);
        const shown = displayKey(key);
        return shown === key ? undefined : shown;
      },
    },
    {
      maxDepth: options.maxDepth ?? SCAN_DEFAULTS.maxDepth,
      maxChars: options.maxChars ?? SCAN_DEFAULTS.maxChars,
      beyond: 'replace',
    },
    displayKey,
  );
  return { findings, truncated: result.truncated, masked: result.value };
}
