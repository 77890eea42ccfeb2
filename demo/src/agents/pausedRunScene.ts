import { marketingOutreach } from './marketingOutreach.js';
import type { DemoAgent } from './types.js';

/**
 * The paused-run scene (review by interrupt): Marketing Outreach asks to export the customer
 * list, a REVIEW. Its LangGraph run pauses with `interrupt()` and is checkpointed in Aegis's own
 * store; the agent's process is then killed, as a deploy or a crash would. A person decides on
 * the dashboard, and a new agent process — which never saw the call — resumes the run from the
 * checkpoint: the export runs once if approved, the model reads the refusal if denied.
 */
export interface PausedRunScene {
  agent: DemoAgent;
  /** Where the scripted model stands when the run is resumed: the steps after the held call. */
  resumeFrom: number;
}

const steps: DemoAgent['scenario'] = [
  {
    tool: 'generate_report',
    args: { report: 'marketing' },
    thought: 'How many customers can next week’s mailing reach?',
    expect: 'ALLOWED',
  },
  {
    tool: 'export_customer_list',
    args: { fields: ['name', 'email'] },
    thought: 'Exporting names and emails for the mailing house.',
    expect: 'REVIEW',
  },
];

export const pausedRunScene: PausedRunScene = {
  agent: {
    ...marketingOutreach,
    task: "Prepare next week's Premier Savings mailing: check how many customers we can reach and export the names and emails for the mailing house.",
    scenario: steps,
  },
  resumeFrom: steps.length,
};
