import { ChevronDown } from 'lucide-react';

interface Props {
  /** Accessible name, e.g. "Filter by status". */
  label: string;
  /** What the button says when nothing is picked, e.g. "All statuses". */
  none: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  selected: readonly string[];
  onChange: (next: string[]) => void;
}

/** A dropdown of checkboxes (several statuses or agents at once); a native `<details>`, no library. */
export function MultiSelect({ label, none, options, selected, onChange }: Props) {
  const summary =
    selected.length === 0
      ? none
      : selected.length <= 2
        ? selected.join(', ')
        : `${selected.length} selected`;
  const toggle = (value: string, on: boolean) =>
    onChange(on ? [...selected, value] : selected.filter((v) => v !== value));
  return (
    <details className="relative min-w-32 flex-1 sm:flex-none" data-testid={`multi-${label}`}>
      <summary
        className="input flex cursor-pointer list-none items-center gap-2"
        aria-label={`${label}: ${summary}`}
      >
        <span className="min-w-0 flex-1 truncate">{summary}</span>
        <ChevronDown className="size-4 shrink-0 muted" aria-hidden />
      </summary>
      <fieldset className="absolute z-20 mt-1 max-h-72 w-max max-w-[80vw] overflow-y-auto rounded-xl border border-neutral-200 bg-white p-2 shadow-lg dark:border-neutral-700 dark:bg-neutral-900">
        <legend className="sr-only">{label}</legend>
        {options.map((o) => (
          <label
            key={o.value}
            className="flex cursor-pointer items-center gap-2 rounded px-2 py-1 text-sm hover:bg-neutral-100 dark:hover:bg-neutral-800"
          >
            <input
              type="checkbox"
              checked={selected.includes(o.value)}
              onChange={(e) => toggle(o.value, e.target.checked)}
            />
            {o.label}
          </label>
        ))}
        {selected.length > 0 && (
          <button
            type="button"
            className="btn btn-ghost mt-1 w-full text-xs"
            onClick={() => onChange([])}
          >
            Clear
          </button>
        )}
      </fieldset>
    </details>
  );
}
