/**
 * Reasons may quote the call: "Transfer of {{ args.amount }} needs review". A template is parsed
 * when the policy is compiled and may only name a path (no expressions, no calls), under a few
 * roots. Filled-in values are shortened, stripped of control characters and never re-parsed,
 * so an argument can't inject markup, more placeholders or a wall of text into a reason.
 */

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const PATH = /^(args|agent|action|tool|rule)(\.[A-Za-z0-9_-]+)*$/;
const MAX_VALUE = 80;
const MAX_REASON = 500;

export type TemplatePart = string | { path: string[] };

export interface TemplateProblem {
  message: string;
  start: number;
  end: number;
}

export type ParsedTemplate = { ok: true; parts: TemplatePart[] } | { ok: false; problems: TemplateProblem[] };

export function parseTemplate(template: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const problems: TemplateProblem[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const start = m.index;
    if (start > last) parts.push(template.slice(last, start));
    const path = m[1]!;
    if (!PATH.test(path)) {
      problems.push({
        message: `"{{ ${path} }}" is not a path this reason can show; use args.NAME, agent.name, agent.owner, agent.labels.KEY, action, tool.description or rule.id`,
        start,
        end: start + m[0].length,
      });
    }
    parts.push({ path: path.split('.') });
    last = start + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  const stray = template.indexOf('{{', last);
  if (stray >= 0) problems.push({ message: 'unclosed "{{" in reason', start: stray, end: template.length });
  return problems.length ? { ok: false, problems } : { ok: true, parts };
}

/** Renders one value for a person to read: short, on one line, never an object dump. */
function show(value: unknown): string {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'string') {
    // eslint-disable-next-line no-control-regex
    const clean = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\{\{|\}\}/g, '');
    return clean.length > MAX_VALUE ? `${clean.slice(0, MAX_VALUE - 1)}…` : clean;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `[${value.length} items]`;
  return '{…}';
}

export function renderTemplate(parts: readonly TemplatePart[], root: Readonly<Record<string, unknown>>): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    let value: unknown = root;
    for (const key of part.path) {
      value =
        value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, key)
          ? (value as Record<string, unknown>)[key]
          : undefined;
    }
    out += show(value);
  }
  return out.length > MAX_REASON ? `${out.slice(0, MAX_REASON - 1)}…` : out;
}
