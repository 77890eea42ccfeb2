import type { ArgsChangeKind } from '@aegis/shared/argsDiff';

/** One changed field as shown: where, how, and the values on either side (absent: none). */
export interface ShownChange {
  pointer: string;
  change: ArgsChangeKind;
  before?: unknown;
  after?: unknown;
  /** Said under the values (e.g. that masking hides the difference). */
  note?: string;
}

const TONE: Record<ArgsChangeKind, string> = {
  changed: 'bg-review-soft text-review dark:bg-amber-950 dark:text-amber-300',
  added: 'bg-allow-soft text-allow-ink dark:bg-green-950 dark:text-green-300',
  removed: 'bg-block-soft text-block-ink dark:bg-red-950 dark:text-red-300',
};

/** Long values are cut on screen; the whole value is in the tooltip (and in the editor). */
const SHOWN_CHARS = 300;

function show(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > SHOWN_CHARS ? `${json.slice(0, SHOWN_CHARS)}…` : json;
}

/** Field by field, what the reviewer changed: each path with its value before and after. */
export function ArgsChanges({ changes, label }: { changes: ShownChange[]; label: string }) {
  return (
    <ul aria-label={label} className="space-y-1.5">
      {changes.map((c) => (
        <li
          key={`${c.change}:${c.pointer}`}
          data-testid="arg-change"
          data-change={c.change}
          className="rounded-lg border border-neutral-200 p-2 text-xs dark:border-neutral-800"
        >
          <p className="flex flex-wrap items-baseline gap-x-2 gap-y-1">
            <span
              className={`inline-flex shrink-0 rounded-full px-2 py-0.5 font-bold ${TONE[c.change]}`}
            >
              {c.change}
            </span>
            <span className="min-w-0 font-mono font-semibold wrap-anywhere">{c.pointer}</span>
          </p>
          <div className="mt-1 grid gap-1 font-mono">
            {c.change !== 'added' && (
              <p
                className="min-w-0 wrap-anywhere text-block-ink dark:text-red-300"
                title={JSON.stringify(c.before)}
              >
                <span className="sr-only">before: </span>
                <span aria-hidden className="select-none">
                  −{' '}
                </span>
                <del className="decoration-1">{show(c.before)}</del>
              </p>
            )}
            {c.change !== 'removed' && (
              <p
                className="min-w-0 wrap-anywhere text-allow-ink dark:text-green-300"
                title={JSON.stringify(c.after)}
              >
                <span className="sr-only">after: </span>
                <span aria-hidden className="select-none">
                  +{' '}
                </span>
                <ins className="no-underline">{show(c.after)}</ins>
              </p>
            )}
          </div>
          {c.note && <p className="mt-1 muted">{c.note}</p>}
        </li>
      ))}
    </ul>
  );
}
