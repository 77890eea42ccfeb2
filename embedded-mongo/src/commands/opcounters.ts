import type { Document } from 'bson';

/**
 * serverStatus's `opcounters`, as mongod counts them for the process: documents inserted, update
 * and delete statements, find commands, getMores, and every other command. They tell how many
 * store operations a workload makes (the bench's "store ops per decision").
 */
export const opcounters = { insert: 0, query: 0, update: 0, delete: 0, getmore: 0, command: 0 };

const statements = (value: unknown): number => (Array.isArray(value) ? value.length : 0);

/** Counts one command by its (lower-case) name, before it runs (mongod counts attempts too). */
export function countCommand(name: string, cmd: Document): void {
  switch (name) {
    case 'insert':
      opcounters.insert += statements(cmd.documents);
      break;
    case 'update':
      opcounters.update += statements(cmd.updates);
      break;
    case 'delete':
      opcounters.delete += statements(cmd.deletes);
      break;
    case 'find':
      opcounters.query++;
      break;
    case 'getmore':
      opcounters.getmore++;
      break;
    default:
      opcounters.command++;
  }
}
