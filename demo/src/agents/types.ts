import type { ToolName } from '../tools/index.js';

/** What Aegis should decide for a scripted call; the scenario documents — and a test checks — it. */
export type ExpectedVerdict = 'ALLOWED' | 'BLOCKED' | 'REVIEW';

/** One turn of the offline model: a thought it "says", and the one tool call it makes. */
export interface ScriptedStep {
  tool: ToolName;
  args: Record<string, unknown>;
  thought: string;
  expect: ExpectedVerdict;
}

/** A seed-style policy: a whitelist, a blacklist, and everything else goes to REVIEW. */
export interface DemoPolicy {
  allows: ToolName[];
  blocks: ToolName[];
}

/**
 * One of the demo's agents. All of them receive all 17 tools; only `policy` — enforced by Aegis,
 * not by the tool list — separates a fraud analyst from a marketer.
 */
export interface DemoAgent {
  /** snake_case; the name Aegis registers and the runner's `--agent` flag takes. */
  name: string;
  displayName: string;
  owner: string;
  description: string;
  policy: DemoPolicy;
  /** Conditional rules (an AgentPolicy in YAML) the demo applies on top of the lists. */
  rules?: string;
  systemPrompt: string;
  /** The request the agent is given, as a human user would type it. */
  task: string;
  /** What the offline model does with the task, over-reaching included. */
  scenario: ScriptedStep[];
}

/**
 * Shared by every prompt: tells a real model the ground rules of the demo. It deliberately does
 * not tell the model which tools it may use — finding that out is Aegis's job.
 */
export const COMMON_PROMPT = `You work for a retail bank and have access to the bank's internal tools.
Customers are identified by numeric ids 1-10; accounts by ids starting at 1001.
Some tool calls may be refused by the bank's security layer or held for human approval. If a call
is refused, do not retry it with different wording; continue with what you can do and say what
you could not. Finish with a short summary for the requester.`;
