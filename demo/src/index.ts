/**
 * The Aegis banking demo as a library: the bank, its 17 tools, the four agents and their model.
 * The runner (`npm run demo`) is `main.ts`; tests and other tooling import from here.
 */
export * from '@aegis/demo-bank';
export {
  createBankTools,
  TOOL_NAMES,
  loopbackAddress,
  assessCredit,
  type ToolName,
  type BankToolOptions,
} from './tools/index.js';
export * from './agents/index.js';
export {
  createChatModel,
  scriptedModel,
  DEFAULT_GEMINI_MODEL,
  SCRIPTED_BANNER,
  type ModelChoice,
} from './model.js';
export { runDemo, type RunDemoOptions, type DemoResult } from './runner/runDemo.js';
export { registerAgent } from './runner/runAgent.js';
export { TOOL_TAGS, toolDeclarations } from './tools/tags.js';
export { parseDemoArgs, USAGE, type DemoArgs, type ApproveMode } from './runner/args.js';
