/** How an added or removed line looks, and what a screen reader hears. */
const CHANGED: Record<string, { kind: 'added' | 'removed'; className: string } | undefined> = {
  '+ ': {
    kind: 'added',
    className: 'bg-allow-soft text-allow-ink dark:bg-green-950 dark:text-green-200',
  },
  '- ': {
    kind: 'removed',
    className: 'bg-block-soft text-block-ink dark:bg-red-950 dark:text-red-200',
  },
};

/**
 * A line diff as `lineDiff` writes it ("+ " added, "- " removed, "  " kept), each changed line
 * coloured and marked in words for screen readers, not by colour alone.
 */
export function DiffLines({ diff, label }: { diff: string; label: string }) {
  const lines = diff.split('\n');
  return (
    <pre
      className="mt-1 max-h-72 overflow-auto rounded-lg border border-neutral-200 p-2 font-mono text-xs dark:border-neutral-700"
      aria-label={label}
      data-testid="diff"
      tabIndex={0}
    >
      {lines.map((line, i) => {
        const sign = line.slice(0, 2);
        const text = line.slice(2);
        const changed = CHANGED[sign];
        if (changed)
          return (
            <div key={i} className={changed.className} data-diff={changed.kind}>
              <span className="sr-only">{changed.kind}: </span>
              <span aria-hidden>{sign}</span>
              {text}
            </div>
          );
        return (
          <div key={i}>
            {'  '}
            {text}
          </div>
        );
      })}
    </pre>
  );
}
