/** LangChain JS integration: guarded tool copies and a `createAgent` middleware. */
export { wrapTools, type WrapToolsOptions } from './wrapTools';
export { declarationOf } from './declare';
export {
  resumeOnDecision,
  type PausedApproval,
  type ResumableGraph,
  type ResumeOptions,
  type Resumer,
} from './resumer';
export {
  isAegisInterrupt,
  type AegisInterrupt,
  type AegisResume,
  type ReviewMode,
} from './interruptReview';
export { aegisMiddleware, type AegisMiddlewareOptions } from './middleware';
export type { AegisOrHandle } from './target';
export { defaultRefusal, refusalMessage, type RefusalFormatter } from './refusal';
