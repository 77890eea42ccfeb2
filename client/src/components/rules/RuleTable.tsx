import { useEffect } from 'react';
import { useLocation } from 'react-router';
import type { RouterOutputs } from '../../lib/trpc';
import { RULE_TONE } from '../StatusBadge';

type PolicyDocument = NonNullable<RouterOutputs['policies']['document']['document']>;
type Rule = PolicyDocument['rules'][number];
type Selector = NonNullable<Rule['agents']>[number];

// REDACT lets the call run, masked: closest in colour to an allow.
const TONE: Record<Rule['effect'], string> = { ...RULE_TONE, REDACT: RULE_TONE.ALLOW };

const showSelector = (s: Selector) =>
  typeof s === 'string'
    ? s
    : Object.entries(s.labels)
        .map(([k, v]) => `label:${k}=${v}`)
        .join(' & ');

// On a phone the six columns were 50 px each, every name and condition broken letter by letter:
// there each row stacks, a cell per line with its column's name before it.
const CELL =
  'py-2 pr-2 align-top max-sm:flex max-sm:gap-2 max-sm:py-0.5 max-sm:before:w-16 max-sm:before:shrink-0 max-sm:before:font-sans max-sm:before:text-xs max-sm:before:text-neutral-600 max-sm:before:content-[attr(data-label)] dark:max-sm:before:text-neutral-400';

/** A rule's row's id, for a link from an audit entry to the rule that decided it. */
export const ruleAnchor = (id: string) => `rule-${id}`;

/** The rule a link (`#rule-<id>`) points at, lit and scrolled to once the document has loaded. */
function useLinkedRule(ids: readonly string[]): string | null {
  const { hash } = useLocation();
  let linked: string | null = null;
  try {
    linked = decodeURIComponent(hash.slice(1));
  } catch {
    /* a malformed hash points at nothing */
  }
  const found = linked && ids.some((id) => ruleAnchor(id) === linked) ? linked : null;
  useEffect(() => {
    // The browser scrolls to a hash only if the element is there when the page opens; rules
    // arrive later.
    if (found) document.getElementById(found)?.scrollIntoView({ block: 'center' });
  }, [found]);
  return found;
}

/**
 * A rule document as a table: which actions (and, for global rules, which agents), the condition
 * as written, the effect in its colour, and the reason people will read.
 */
export function RuleTable({ document }: { document: PolicyDocument }) {
  const global = document.kind === 'GlobalPolicy';
  const linked = useLinkedRule(document.rules.map((r) => r.id));
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm max-sm:block" aria-label="Rules">
        <thead className="text-xs muted max-sm:sr-only">
          <tr>
            <th className="py-1 pr-2 font-semibold">Rule</th>
            {global && <th className="py-1 pr-2 font-semibold">Agents</th>}
            <th className="py-1 pr-2 font-semibold">Actions</th>
            <th className="py-1 pr-2 font-semibold">When</th>
            <th className="py-1 pr-2 font-semibold">Effect</th>
            <th className="py-1 font-semibold">Reason</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-neutral-100 max-sm:block dark:divide-neutral-800">
          {document.rules.map((r) => (
            <tr
              key={r.id}
              id={ruleAnchor(r.id)}
              data-testid="rule-row"
              aria-current={linked === ruleAnchor(r.id) ? 'location' : undefined}
              className="scroll-mt-20 max-sm:block max-sm:py-2 aria-[current]:bg-amber-50 dark:aria-[current]:bg-amber-950/40"
            >
              <td
                className={`${CELL} font-mono font-semibold break-words max-sm:wrap-anywhere`}
                data-label="Rule"
              >
                <span data-testid="rule-id">{r.id}</span>
                {r.on === 'result' && (
                  <span className="ml-1 text-xs font-normal muted">(on result)</span>
                )}
                {r.priority !== undefined && (
                  <span className="ml-1 text-xs font-normal muted">priority {r.priority}</span>
                )}
              </td>
              {global && (
                <td
                  className={`${CELL} font-mono text-xs break-words max-sm:wrap-anywhere`}
                  data-label="Agents"
                >
                  {r.agents?.map(showSelector).join(', ') ?? 'every agent'}
                </td>
              )}
              <td
                className={`${CELL} font-mono text-xs break-words max-sm:wrap-anywhere`}
                data-label="Actions"
              >
                {r.actions.join(', ')}
              </td>
              <td
                className={`${CELL} font-mono text-xs break-words max-sm:wrap-anywhere`}
                data-label="When"
              >
                {r.when ?? <span className="muted">always</span>}
              </td>
              <td className={CELL} data-label="Effect">
                <span className={`rounded-full px-2 py-0.5 text-xs font-bold ${TONE[r.effect]}`}>
                  {r.effect}
                </span>
              </td>
              <td
                className={`${CELL} text-xs break-words max-sm:wrap-anywhere`}
                data-label="Reason"
              >
                {r.reason ?? r.description ?? ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {document.default && (
        <p className="mt-2 text-xs muted">When no rule matches: {document.default}</p>
      )}
    </div>
  );
}
