import { useState } from 'react';
import {
  PROBLEM_CAP,
  problemMessage,
  problemWhere,
  sortProblems,
  type Problem,
} from '../../lib/problems';

export type { Problem };

/**
 * Everything wrong with a draft, in document order: each problem's rule and field, its line and
 * column, and the line itself with a caret under the spot. Long lists stop at PROBLEM_CAP with
 * "and N more" (a draft pasted from elsewhere can have hundreds), which opens the rest. With
 * `onGoTo`, a problem's position moves the editor's cursor there.
 */
export function ProblemList({
  problems,
  draft,
  onGoTo,
}: {
  problems: readonly Problem[];
  draft: string;
  onGoTo?: (line: number, column: number) => void;
}) {
  const [all, setAll] = useState(false);
  const lines = draft.split('\n');
  const sorted = sortProblems(problems);
  const shown = all ? sorted : sorted.slice(0, PROBLEM_CAP);
  const hidden = sorted.length - shown.length;
  return (
    <div className="mt-2">
      <ol className="space-y-2" aria-label="Problems">
        {shown.map((p, i) => (
          <ProblemItem
            key={i}
            problem={p}
            source={p.line ? lines[p.line - 1] : undefined}
            onGoTo={onGoTo}
          />
        ))}
      </ol>
      {hidden > 0 && (
        <p className="mt-2 text-xs" data-testid="problems-more">
          …and {hidden} more.{' '}
          <button type="button" className="font-semibold underline" onClick={() => setAll(true)}>
            Show all {sorted.length}
          </button>
        </p>
      )}
    </div>
  );
}

function ProblemItem({
  problem: p,
  source,
  onGoTo,
}: {
  problem: Problem;
  source: string | undefined;
  onGoTo?: (line: number, column: number) => void;
}) {
  const { line, column } = p;
  const at = line !== undefined && column !== undefined ? `Line ${line}, column ${column}` : null;
  return (
    <li
      data-testid="policy-problem"
      className="rounded-lg bg-block-soft p-2 text-xs text-block-ink dark:bg-red-950 dark:text-red-300"
    >
      <p className="flex flex-wrap items-baseline gap-x-2">
        {at &&
          (onGoTo ? (
            <button
              type="button"
              className="font-semibold underline"
              title="Put the cursor there"
              onClick={() => onGoTo(line!, column!)}
            >
              {at}
            </button>
          ) : (
            <span className="font-semibold">{at}</span>
          ))}
        <span className="font-mono font-semibold break-all" data-testid="problem-where">
          {problemWhere(p)}
        </span>
      </p>
      <p className="mt-0.5 break-words">{problemMessage(p.message)}</p>
      {source !== undefined && column !== undefined && (
        <pre className="mt-1 overflow-x-auto font-mono" aria-hidden>
          {source}
          {'\n'}
          {' '.repeat(Math.max(0, column - 1))}^
        </pre>
      )}
    </li>
  );
}
