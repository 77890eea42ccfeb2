/**
 * Where in a string the numeric detectors could possibly match, so their regexes run over a few
 * short spans instead of trying at every digit of a long text.
 */
export interface NumericRun {
  start: number;
  end: number;
  /** Characters in the run (digits and separators): a card needs ≥ 13, an SSN ≥ 9. */
  length: number;
}

// Each step is separators then a digit, and separators are never digits: no backtracking.
// Tabs and line breaks join too: a card number split over lines or cells must still be seen.
const RUN = /[+(]?\d(?:[ \t\r\n()./_-]{0,3}\d)*\)?/g;

/** Digits joined by at most three separators (space, tab, line break, - . / _ ( )), with a leading `+` or `(`; ≥ 4 characters. */
export function numericRuns(text: string): NumericRun[] {
  const runs: NumericRun[] = [];
  RUN.lastIndex = 0;
  for (let m = RUN.exec(text); m !== null; m = RUN.exec(text)) {
    const length = m[0].length;
    if (length >= 4) runs.push({ start: m.index, end: m.index + length, length });
  }
  return runs;
}

/**
 * Runs a global regex over each run at least `minLength` long (and accepted), on the run's own
 * text so that a failed search stops at the run's end. Match indexes are made absolute again;
 * `onMatch` may return where to continue (e.g. right after the part it accepted); `firstChar`
 * skips runs that start with another character.
 */
export function matchInRuns(
  re: RegExp,
  text: string,
  runs: readonly NumericRun[],
  minLength: number,
  onMatch: (m: RegExpExecArray) => number | void,
  firstChar?: number,
): void {
  for (const run of runs) {
    if (run.length < minLength || (firstChar !== undefined && text.charCodeAt(run.start) !== firstChar)) continue;
    const part = text.slice(run.start, run.end);
    re.lastIndex = 0;
    for (let m = re.exec(part); m !== null; m = re.exec(part)) {
      m.index += run.start;
      const next = onMatch(m);
      re.lastIndex = (typeof next === 'number' ? next : m.index + Math.max(m[0].length, 1)) - run.start;
    }
  }
}

/**
 * Finds labels ("SSN", "routing number") once per text and answers, for numbers met in order,
 * whether one ends at most `maxGap` characters before them with only `filler` in between: one
 * pass over the text instead of a regex per number.
 */
export function labelFinder(text: string, label: RegExp, maxGap: number, filler: RegExp): (index: number) => boolean {
  const ends: number[] = [];
  label.lastIndex = 0;
  for (let m = label.exec(text); m !== null; m = label.exec(text)) ends.push(m.index + m[0].length);
  let i = 0;
  return (index) => {
    while (i + 1 < ends.length && (ends[i + 1] as number) <= index) i++;
    const end = ends[i];
    return end !== undefined && end <= index && index - end <= maxGap && filler.test(text.slice(end, index));
  };
}
