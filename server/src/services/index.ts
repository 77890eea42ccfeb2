export type { Services, RegisterAgentInput, NewAuditEntry } from './types';
export { createServices, type ServicesHandle } from './createServices';
