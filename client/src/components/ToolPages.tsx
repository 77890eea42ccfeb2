import { useMemo, useState } from 'react';
import { ChevronLeft, ChevronRight, Search } from 'lucide-react';

/**
 * Tool rows drawn at once. An agent at its cap of 500 names drew 501 rows (6,500 elements), laid
 * out again on each of the page's queries and live entries: the page took seconds to show.
 */
export const TOOLS_PAGE = 50;

/**
 * A long list of an agent's tools, a page at a time, with a search over all of them (an agent
 * may call hundreds). `nameOf` should keep its identity (a module-level function).
 */
export function useToolPages<T>(items: readonly T[], nameOf: (item: T) => string) {
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(0);
  const q = query.trim().toLowerCase();
  // the bucket's name, "(other actions)", is found as its row reads: "other actions"
  const matches = useMemo(
    () => (q ? items.filter((t) => nameOf(t).toLowerCase().includes(q)) : items),
    [items, q, nameOf],
  );
  const pages = Math.max(1, Math.ceil(matches.length / TOOLS_PAGE));
  const at = Math.min(page, pages - 1);
  const shown = matches.slice(at * TOOLS_PAGE, (at + 1) * TOOLS_PAGE);
  return {
    query,
    /** A new search starts on its first page. */
    search: (v: string) => {
      setQuery(v);
      setPage(0);
    },
    shown,
    /** For {@link ToolPager}; `pages` > 1 when it is needed. */
    pager: {
      page: at,
      pages,
      first: at * TOOLS_PAGE + 1,
      last: at * TOOLS_PAGE + shown.length,
      of: matches.length,
      onPage: setPage,
    },
  };
}

export function ToolSearch({
  query,
  onChange,
  total,
  label = 'Find a tool',
}: {
  query: string;
  onChange: (q: string) => void;
  total: number;
  /** The field's name, when a page has several (one per agent). */
  label?: string;
}) {
  return (
    // The landmark on a wrapper: on the label itself, role="search" replaced the label's meaning
    // and the field was left without a name.
    <div className="relative mb-2" role="search">
      <label className="block">
        <span className="sr-only">{label}</span>
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

/** "51–100 of 501" with the pages before and after. */
export function ToolPager({
  page,
  pages,
  first,
  last,
  of,
  onPage,
  label = 'Pages of tools',
}: {
  page: number;
  pages: number;
  first: number;
  last: number;
  of: number;
  onPage: (page: number) => void;
  label?: string;
}) {
  return (
    <nav
      className="mt-2 flex flex-wrap items-center justify-between gap-2 text-sm"
      aria-label={label}
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
