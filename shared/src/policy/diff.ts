import { stringify } from 'yaml';
import type { PolicyDocument } from '../schemas/policyRules';

/** A policy document as YAML, keys in the order people write them (what `aegis policy get -o yaml` prints). */
export function policyDocumentYaml(doc: PolicyDocument | null): string {
  if (!doc) return '';
  const { kind, apiVersion, description, default: dflt, rules } = doc;
  const head: Record<string, unknown> = { ...(apiVersion ? { apiVersion } : {}), kind };
  if (doc.kind === 'AgentPolicy') head.agent = doc.agent;
  if (description) head.description = description;
  if (dflt) head.default = dflt;
  if (doc.detectors?.length) head.detectors = doc.detectors;
  head.rules = rules;
  return stringify(head, { lineWidth: 0 });
}

const MAX_LINES = 4000;

/**
 * A line diff of two texts: unchanged lines start with two spaces, removed with "- ", added with
 * "+ " (longest common subsequence). Empty when they are equal.
 */
export function lineDiff(before: string, after: string): string {
  if (before === after) return '';
  const a = before ? before.replace(/\n$/, '').split('\n') : [];
  const b = after ? after.replace(/\n$/, '').split('\n') : [];
  if (a.length > MAX_LINES || b.length > MAX_LINES) {
    return [...a.map((l) => `- ${l}`), ...b.map((l) => `+ ${l}`)].join('\n');
  }
  // lcs[i][j]: length of the LCS of a[i..] and b[j..]
  const lcs: Uint16Array[] = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (j < b.length && (i === a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push(`+ ${b[j]}`);
      j++;
    } else {
      out.push(`- ${a[i]}`);
      i++;
    }
  }
  return out.join('\n');
}
