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

/**
 * A rule document as a table: which actions (and, for global rules, which agents), the condition
 * as written, the effect in its colour, and the reason people will read.
 */
export function RuleTable({ document }: { document: PolicyDocument }) {
  const global = document.kind === 'GlobalPolicy';
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label="Rules">
        <thead className="text-xs muted">
          <tr>
            <th className="py-1 pr-2 font-semibold">Rule</th>
            {global && <th className="py-1 pr-2 font-semibold">Agents</th>}
            <th className="py-1 pr-2 font-semibold">Actions</th>
            <th className="py-1 pr-2 font-semibold">When</th>
            <th className="py-1 pr-2 font-semibold">Effect</th>
            <th className="py-1 font-semibold">Reason</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-neutral-100 dark:divide-neutral-800">
          {document.rules.map((r) => (
            <tr key={r.id} data-testid="rule-row">
              <td className="py-2 pr-2 align-top font-mono font-semibold wrap-anywhere">
                {r.id}
                {r.on === 'result' && (
                  <span className="ml-1 text-xs font-normal muted">(on result)</span>
                )}
                {r.priority !== undefined && (
                  <span className="ml-1 text-xs font-normal muted">priority {r.priority}</span>
                )}
              </td>
              {global && (
                <td className="py-2 pr-2 align-top font-mono text-xs wrap-anywhere">
                  {r.agents?.map(showSelector).join(', ') ?? 'every agent'}
                </td>
              )}
              <td className="py-2 pr-2 align-top font-mono text-xs wrap-anywhere">
                {r.actions.join(', ')}
              </td>
              <td className="py-2 pr-2 align-top font-mono text-xs wrap-anywhere">
                {r.when ?? <span className="muted">always</span>}
              </td>
              <td className="py-2 pr-2 align-top">
                <span className={`rounded-full px-2 py-0.5 text-xs font-bold ${TONE[r.effect]}`}>
                  {r.effect}
                </span>
              </td>
              <td className="py-2 align-top text-xs wrap-anywhere">
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
