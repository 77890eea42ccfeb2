import { customerSupport } from './customerSupport.js';
import { fraudDetection } from './fraudDetection.js';
import { loanProcessor } from './loanProcessor.js';
import { marketingOutreach } from './marketingOutreach.js';
import type { DemoAgent } from './types.js';

/** The four demo agents, in the order the seed introduces them. */
export const DEMO_AGENTS: readonly DemoAgent[] = [
  customerSupport,
  fraudDetection,
  loanProcessor,
  marketingOutreach,
];

export function findAgent(name: string): DemoAgent | undefined {
  return DEMO_AGENTS.find((a) => a.name === name);
}

export { customerSupport, fraudDetection, loanProcessor, marketingOutreach };
export { killSwitchScene, type KillSwitchScene } from './killSwitchScene.js';
export { LOAN_RULES_YAML } from './loanRules.js';
export { dlpScene, DLP_POLICY_YAML, type DlpScene } from './dlpScene.js';
export {
  COMMON_PROMPT,
  type DemoAgent,
  type DemoPolicy,
  type ScriptedStep,
  type ExpectedVerdict,
} from './types.js';
export { pausedRunScene, type PausedRunScene } from './pausedRunScene.js';
