/** LangChain JS integration: guarded tool copies and a `createAgent` middleware. */
export { wrapTools, type WrapToolsOptions } from './wrapTools';
export { aegisMiddleware, type AegisMiddlewareOptions } from './middleware';
export type { AegisOrHandle } from './target';
export { defaultRefusal, refusalMessage, type RefusalFormatter } from './refusal';
