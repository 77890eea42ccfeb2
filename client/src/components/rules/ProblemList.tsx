import type { RouterOutputs } from '../../lib/trpc';

export type Problem = RouterOutputs['policies']['applyRules']['problems'][number];

/**
 * What is wrong with a draft, each problem at its line and column with the line itself and a
 * caret under the spot, so a person sees where the expression breaks; clicking one moves the
 * cursor there.
 */
export function ProblemList({
  problems,
  draft,
  onGoTo,
}: {
  problems: Problem[];
  draft: string;
  onGoTo: (line: number, column: number) => void;
}) {
  const lines = draft.split('\n');
  return (
    <ul className="mt-2 space-y-2" aria-label="Problems" role="list">
      {problems.map((p, i) => {
        const source = p.line !== undefined ? lines[p.line - 1] : undefined;
        return (
          <li
            key={i}
            data-testid="policy-problem"
            className="rounded-lg bg-block-soft p-2 text-xs text-block-ink dark:bg-red-950 dark:text-red-300"
          >
            <p className="font-semibold">
              {p.line !== undefined && p.column !== undefined ? (
                <button
                  type="button"
                  className="mr-1 underline"
                  onClick={() => onGoTo(p.line!, p.column!)}
                >
                  Line {p.line}, column {p.column}
                </button>
              ) : null}
              {p.ruleId && <span className="mr-1 font-mono">rule {p.ruleId}:</span>}
              {p.message}
            </p>
            {source !== undefined && p.column !== undefined && (
              <pre className="mt-1 overflow-x-auto font-mono" aria-hidden>
                {source}
                {'\n'}
                {' '.repeat(Math.max(0, p.column - 1))}^
              </pre>
            )}
          </li>
        );
      })}
    </ul>
  );
}
