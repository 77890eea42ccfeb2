import { memo, useMemo, useState } from 'react';
import { ChevronLeft, ChevronRight, Search } from 'lucide-react';
import type { RouterOutputs } from '../lib/trpc';
import { timeAgo } from '../lib/format';
import { ConditionMark } from './PolicyEditor';
import { RULE_TONE } from './StatusBadge';
import { ExpandableName } from './SoftWrap';
import { isOtherActions, OtherActionsName } from './OtherActions';

type Detail = RouterOutputs['agents']['byName'];
type Tool = Detail['toolsUsed'][number];

/**
 * Rows drawn at once. An agent at its cap of 500 names drew 501 rows (6,500 elements), laid out
 * again on each of the page's queries and live entries: the page took seconds to show.
 */
export const TOOLS_PAGE = 50;

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
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(0);
  const q = query.trim().toLowerCase();
  // the bucket's name, "(other actions)", is found as its row reads: "other actions"
  const matches = useMemo(
    () => (q ? tools.filter((t) => t.action.toLowerCase().includes(q)) : tools),
    [tools, q],
  );
  if (tools.length === 0)
    return <p className="text-sm muted">This agent hasn’t called any tool yet.</p>;
  const pages = Math.max(1, Math.ceil(matches.length / TOOLS_PAGE));
  const at = Math.min(page, pages - 1);
  const shown = matches.slice(at * TOOLS_PAGE, (at + 1) * TOOLS_PAGE);
  return (
    <div>
      {tools.length > TOOLS_PAGE && (
        <ToolSearch
          query={query}
          onChange={(v) => {
            setQuery(v);
            setPage(0);
          }}
          total={tools.length}
        />
      )}
      {shown.length === 0 ? (
        <p className="py-2 text-sm muted">No tool of this agent’s matches “{query.trim()}”.</p>
      ) : (
        <ToolTable tools={shown} inRange={inRange} />
      )}
      {pages > 1 && (
        <Pager
          page={at}
          pages={pages}
          first={at * TOOLS_PAGE + 1}
          last={at * TOOLS_PAGE + shown.length}
          of={matches.length}
          onPage={setPage}
        />
      )}
    </div>
  );
}

function ToolSearch({
  query,
  onChange,
  total,
}: {
  query: string;
  onChange: (q: string) => void;
  total: number;
}) {
  return (
    // The landmark on a wrapper: on the label itself, role="search" replaced the label's meaning
    // and the field was left without a name.
    <div className="relative mb-2" role="search">
      <label className="block">
        <span className="sr-only">Find a tool</span>
        <Search
          className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 muted"
          aria-hidden
        />
        <input
          type="search"
          className="input w-full pl-8"
          placeholder={`Find among ${total} tools`}
          value={query}
          onChange={(e) => onChange(e.target.value)}
          maxLength={200}
        />
      </label>
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
        {timeAgo(t.lastUsedAt)}
      </td>
    </tr>
  );
});

/** "51–100 of 501" with the pages before and after. */
function Pager({
  page,
  pages,
  first,
  last,
  of,
  onPage,
}: {
  page: number;
  pages: number;
  first: number;
  last: number;
  of: number;
  onPage: (page: number) => void;
}) {
  return (
    <nav
      className="mt-2 flex flex-wrap items-center justify-between gap-2 text-sm"
      aria-label="Pages of tools"
    >
      <span className="tabular-nums muted" data-testid="tools-range">
        {first}–{last} of {of}
      </span>
      <span className="flex gap-2">
        <button
          type="button"
          className="btn btn-ghost px-2.5 py-1"
          disabled={page === 0}
          onClick={() => onPage(page - 1)}
        >
          <ChevronLeft className="size-4" aria-hidden /> Previous
        </button>
        <button
          type="button"
          className="btn btn-ghost px-2.5 py-1"
          disabled={page >= pages - 1}
          onClick={() => onPage(page + 1)}
        >
          Next <ChevronRight className="size-4" aria-hidden />
        </button>
      </span>
    </nav>
  );
}
