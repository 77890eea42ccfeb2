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
        if (sign === '+ ')
          return (
            <div
              key={i}
              className="bg-allow-soft text-allow-ink dark:bg-green-950 dark:text-green-200"
              data-diff="added"
            >
              <span className="sr-only">added: </span>
              <span aria-hidden>+ </span>
              {text}
            </div>
          );
        if (sign === '- ')
          return (
            <div
              key={i}
              className="bg-block-soft text-block-ink dark:bg-red-950 dark:text-red-200"
              data-diff="removed"
            >
              <span className="sr-only">removed: </span>
              <span aria-hidden>- </span>
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
