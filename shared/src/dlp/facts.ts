import { z } from 'zod';
import type { DlpFinding as PolicyDlpFinding } from '../policy/facts';
import { categoryOf, type ScanFinding } from './types';

/** What one side of a call (its arguments, or its result) was found to hold. */
export const dlpSideFacts = z.object({
  count: z.number().int().nonnegative().describe('Matches in all, over every detector'),
  detectors: z
    .record(z.string(), z.number().int().positive())
    .describe('Matches per detector and per category ("card": 2, "financial": 2)'),
});
export type DlpSideFacts = z.infer<typeof dlpSideFacts>;

/**
 * The DLP summary the policy engine binds as `dlp`: plain data, so it can be stored beside an
 * audit entry, sent to the SDK's local mode and read by any evaluator.
 *
 * - `dlp.found('card')`   → {@link dlpFound}: anywhere, by detector or category
 * - `dlp.in('args', 'ssn')` → {@link dlpIn}: on one side
 * - `dlp.count > 3`       → `count`, matches on both sides
 */
export const dlpFacts = z.object({
  count: z.number().int().nonnegative(),
  found: z.array(z.string()).describe('Detectors and categories with at least one match, sorted'),
  args: dlpSideFacts,
  result: dlpSideFacts,
  truncated: z.boolean().describe('A size or depth limit stopped a scan: not everything was seen'),
});
export type DlpFacts = z.infer<typeof dlpFacts>;
export type DlpSide = 'args' | 'result';

/**
 * Builds the facts from the findings of the argument scan and, once the tool has returned, of
 * the result scan.
 */
export function dlpFactsOf(input: {
  args?: readonly ScanFinding[];
  result?: readonly ScanFinding[];
  truncated?: boolean;
}): DlpFacts {
  const args = sideFacts(input.args ?? []);
  const result = sideFacts(input.result ?? []);
  const found = new Set([...Object.keys(args.detectors), ...Object.keys(result.detectors)]);
  return {
    count: args.count + result.count,
    found: [...found].sort(),
    args,
    result,
    truncated: input.truncated ?? false,
  };
}

function sideFacts(findings: readonly ScanFinding[]): DlpSideFacts {
  const counts = new Map<string, number>();
  let count = 0;
  for (const f of findings) {
    count += f.count;
    counts.set(f.detector, (counts.get(f.detector) ?? 0) + f.count);
    const category = categoryOf(f.detector);
    counts.set(category, (counts.get(category) ?? 0) + f.count);
  }
  return { count, detectors: Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b))) };
}

/** `dlp.found(name)`: a detector or category matched on either side. */
export function dlpFound(facts: DlpFacts, name: string): boolean {
  return facts.found.includes(name);
}

/** `dlp.in(side, name)`: a detector or category matched in the arguments or in the result. */
export function dlpIn(facts: DlpFacts, side: DlpSide, name: string): boolean {
  return dlpCountOf(facts, side, name) > 0;
}

/** Matches of one detector or category on one side (0 when none; never an inherited member). */
export function dlpCountOf(facts: DlpFacts, side: DlpSide, name: string): number {
  const detectors = facts[side].detectors;
  return Object.hasOwn(detectors, name) ? (detectors[name] ?? 0) : 0;
}

/** Facts of a call nothing was found in. */
export const NO_DLP_FACTS: DlpFacts = dlpFactsOf({});

/**
 * The scans' findings in the shape the policy evaluator reads today (`PolicyFacts.dlp`: one
 * list, each finding tagged with where it was found).
 */
export function policyDlpFindings(input: { args?: readonly ScanFinding[]; result?: readonly ScanFinding[] }): PolicyDlpFinding[] {
  const tag = (where: 'args' | 'result', findings: readonly ScanFinding[] = []) =>
    findings.map(({ detector, path, count }) => ({ detector, where, path, count }));
  return [...tag('args', input.args), ...tag('result', input.result)];
}
