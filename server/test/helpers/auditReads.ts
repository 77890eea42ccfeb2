import type { AuditEntry } from '@aegis/shared';
import { principals, type TestContext } from './testServer';

/** The stored entries of one call of an agent, read as a viewer would (newest 200). */
export async function entriesOfCall(
  t: TestContext,
  agent: string,
  callId: string,
): Promise<AuditEntry[]> {
  const { entries } = await t.as(principals.viewer).audit.list({ agent, limit: 200 });
  return entries.filter((e) => e.callId === callId);
}

/** The agent's VIOLATION entries (refused local records and the like), newest 200. */
export async function violationsOf(t: TestContext, agent: string): Promise<AuditEntry[]> {
  return (await t.as(principals.viewer).audit.list({ agent, status: ['VIOLATION'], limit: 200 }))
    .entries;
}
