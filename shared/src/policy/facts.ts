/**
 * What a rule may ask about beyond the call itself. Evaluation is synchronous and pure, while
 * history and session state live in the database (several servers share it), so those are
 * *prefetched facts*: compiling a policy lists the exact queries its conditions make
 * (`history.count('access_ssn', duration('1h'))` → `{ kind: 'count', action: 'access_ssn',
 * windowMs: 3600000 }`); the server answers them before evaluating and passes the answers in.
 * A query the caller did not answer makes the rule fail closed.
 */

/** `history.count(action, window)`: this agent's ALLOWED calls of `action` in the window before now. */
export interface HistoryCountQuery {
  kind: 'count';
  action: string;
  windowMs: number;
}

/** `history.sum(action, field, window)`: the sum of numeric `args[field]` over those same calls. */
export interface HistorySumQuery {
  kind: 'sum';
  action: string;
  field: string;
  windowMs: number;
}

export type HistoryQuery = HistoryCountQuery | HistorySumQuery;

/** The key a history answer is filed under in `PolicyFacts.history`. */
export function historyKey(q: HistoryQuery): string {
  return q.kind === 'count' ? `count|${q.action}|${q.windowMs}` : `sum|${q.action}|${q.field}|${q.windowMs}`;
}

/** What a set of rules needs to be evaluated, beyond the call. */
export interface FactNeeds {
  history: HistoryQuery[];
  /** Tags asked about with `session.touched(tag)`. */
  sessionTags: string[];
  /** Actions asked about with `anomaly.score(action)`; `"*"` when the argument is not a literal. */
  anomalyActions: string[];
  /** Whether any condition reads `dlp` (the arguments must be scanned first). */
  dlp: boolean;
}

export function emptyNeeds(): FactNeeds {
  return { history: [], sessionTags: [], anomalyActions: [], dlp: false };
}

/** Whether `n` asks for nothing beyond the call (most rules: no condition, or one over the call alone). */
export function isEmptyNeeds(n: FactNeeds): boolean {
  return !n.dlp && n.history.length === 0 && n.sessionTags.length === 0 && n.anomalyActions.length === 0;
}

/** Unions `b` into `a` (deduplicated). */
export function mergeNeeds(a: FactNeeds, b: FactNeeds): FactNeeds {
  const history = new Map(a.history.map((q) => [historyKey(q), q]));
  for (const q of b.history) history.set(historyKey(q), q);
  return {
    history: [...history.values()],
    sessionTags: [...new Set([...a.sessionTags, ...b.sessionTags])],
    anomalyActions: [...new Set([...a.anomalyActions, ...b.anomalyActions])],
    dlp: a.dlp || b.dlp,
  };
}

/** Needs that only the server can answer: history, session and anomaly come from the database. */
export function needsServerState(n: FactNeeds): boolean {
  return n.history.length > 0 || n.sessionTags.length > 0 || n.anomalyActions.length > 0;
}

/** One DLP finding on the call (issue 15 produces them; never the matched value). */
export interface DlpFinding {
  detector: string;
  /** Where it was found: "args" for arguments ("result" for results, later). */
  where: string;
  /** JSON pointer inside `where`, e.g. /message. */
  path: string;
  count: number;
}

/** The answers to a policy's fact needs, for one call. */
export interface PolicyFacts {
  /** By `historyKey(query)`. */
  history?: Readonly<Record<string, number>>;
  /** Tags of calls ALLOWED earlier in this run (for `session.touched`). */
  sessionTags?: readonly string[];
  /** Anomaly scores by action (0 = normal). */
  anomaly?: Readonly<Record<string, number>>;
  /** DLP findings on the arguments. */
  dlp?: readonly DlpFinding[];
  /**
   * A size or depth limit cut the DLP scan short (the scan's `truncated`): what lies past it was
   * not looked at, so a rule reading `dlp` that did not match fails closed instead of passing a
   * value nobody scanned (attack review 10: a card after 1 MiB of padding, or 80 levels deep, in
   * a tool's result walked past a BLOCK on `dlp.found('card')`).
   */
  dlpTruncated?: boolean;
}
