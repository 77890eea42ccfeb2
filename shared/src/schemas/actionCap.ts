/**
 * How many distinct actions of one agent the rollups itemise. An agent's rollup documents hold a
 * field per action (its `ag` bucket documents, its blocked-by-action timeline documents) and an
 * all-time `seen` document per action, which its page and its manifest read whole: without a cap
 * one agent key reporting calls under 100,000 made-up names grew documents to megabytes (every
 * later `$inc` on them slow, 16 MB the end of counting) and its page to seconds. Generous for real
 * agents (an MCP server has tens to a few hundred tools).
 */
export const MAX_ACTIONS_PER_AGENT = 500;

/**
 * The action rollups count an agent's calls under once it has MAX_ACTIONS_PER_AGENT others: its
 * calls, verdicts and findings stay counted (the agent's totals are whole), only not by name. Not
 * a valid action name (spaces, parentheses), so it never meets a real one; the audit log keeps
 * every entry's real name.
 */
export const OTHER_ACTIONS = '(other actions)';
