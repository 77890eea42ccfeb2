export type { Services, RegisterAgentInput, NewAuditEntry } from './types';
