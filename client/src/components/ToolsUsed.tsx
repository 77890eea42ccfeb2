import { memo } from 'react';
import type { RouterOutputs } from '../lib/trpc';
import { Ago } from './Ago';
import { ConditionMark } from './PolicyEditor';
import { RULE_TONE } from './StatusBadge';
import { ExpandableName } from './SoftWrap';
import { isOtherActions, OtherActionsName } from './OtherActions';
import { TOOLS_PAGE, ToolPager, ToolSearch, useToolPages } from './ToolPages';

type Detail = RouterOutputs['agents']['byName'];
type Tool = Detail['toolsUsed'][number];

const actionOf = (t: Tool) => t.action;

/**
 * The tools an agent called, most used first: a page of them at a time, with a search over all
 * (an agent may call hundreds), each with its rule and its calls in the range and all time.
 */
export function ToolsUsed({
  detail,
  inRange,
}: {
  detail: Detail;
  inRange: Map<string, number> | undefined;
}) {
  const tools = detail.toolsUsed;
  const { query, search, shown, pager } = useToolPages(tools, actionOf);
  if (tools.length === 0)
    return <p className="text-sm muted">This agent hasn’t called any tool yet.</p>;
  return (
    <div>
      {tools.length > TOOLS_PAGE && (
        <ToolSearch query={query} onChange={search} total={tools.length} />
      )}
      {shown.length === 0 ? (
        <p className="py-2 text-sm muted">No tool of this agent’s matches “{query.trim()}”.</p>
      ) : (
        <ToolTable tools={shown} inRange={inRange} />
      )}
      {pager.pages > 1 && <ToolPager {...pager} />}
    </div>
  );
}

function ToolTable({
  tools,
  inRange,
}: {
  tools: readonly Tool[];
  inRange: Map<string, number> | undefined;
}) {
  return (
    <table className="w-full text-left text-sm">
      <thead className="text-xs muted">
        <tr>
          <th className="py-1 font-semibold">Tool</th>
          <th className="hidden py-1 font-semibold sm:table-cell">Rule</th>
          <th className="py-1 pl-3 text-right font-semibold whitespace-nowrap">In range</th>
          <th className="py-1 pl-3 text-right font-semibold whitespace-nowrap">All time</th>
          <th className="hidden py-1 pl-3 text-right font-semibold whitespace-nowrap sm:table-cell">
            Last used
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-neutral-100 dark:divide-neutral-800">
        {tools.map((t) => (
          <ToolRow
            key={t.action}
            tool={t}
            inRange={inRange ? (inRange.get(t.action) ?? 0) : undefined}
          />
        ))}
      </tbody>
    </table>
  );
}

/**
 * One tool's row. Memoised on its tool (kept the same object by the query's structural sharing)
 * and its count: the page re-renders on each live entry, and the rows need not.
 */
const ToolRow = memo(function ToolRow({ tool: t, inRange }: { tool: Tool; inRange?: number }) {
  const other = isOtherActions(t.action);
  // the bucket is no tool: no rule of the policy decides it (its chip would be the one for
  // unknown names)
  const rule = other ? (
    <span className="text-xs muted">—</span>
  ) : (
    <span className="inline-flex items-center gap-1">
      <span className={`rounded-full px-2 py-0.5 text-xs font-bold ${RULE_TONE[t.effect]}`}>
        {t.effect}
      </span>
      {t.conditional.length > 0 && <ConditionMark action={t.action} rules={t.conditional} />}
    </span>
  );
  return (
    <tr>
      {/* The name takes the width left (max-w-0 w-full) and never breaks mid-word: a name too
          long for it ends in an ellipsis, and a tap opens it whole. On a phone the rule goes
          under it and the name is 12 px, so a usual name fits whole. */}
      <td className="w-full max-w-0 py-2 pr-2">
        {other ? (
          <OtherActionsName className="text-xs sm:text-sm" />
        ) : (
          <ExpandableName
            name={t.action}
            className="font-mono text-xs sm:text-sm"
            testId="tool-name"
          />
        )}
        <span className="mt-1 block sm:hidden">{rule}</span>
      </td>
      <td className="hidden py-2 sm:table-cell">{rule}</td>
      <td className="py-2 pl-3 text-right tabular-nums" data-testid="tool-calls-in-range">
        {inRange ?? '…'}
      </td>
      <td className="py-2 pl-3 text-right tabular-nums">{t.count}</td>
      <td className="hidden py-2 pl-3 text-right whitespace-nowrap muted sm:table-cell">
        <Ago iso={t.lastUsedAt} />
      </td>
    </tr>
  );
});
