import { DomainError, mayActAs, type Principal } from '@aegis/shared';

/**
 * Services refuse with DomainError (codes in @aegis/shared); trpc/errors.ts maps it once to tRPC
 * and, through the procedures, to REST. These build the refusals several services share.
 */
// The message says how to get out of it: a typo'd name and an agent its code never declared both
// land here, and the fix differs. No list of names: an agent key must not learn the others.
export const unknownAgent = (name: string) =>
  new DomainError(
    'UNKNOWN_AGENT',
    `Agent "${name}" is not registered: check the name (\`aegis agents\` lists them), or declare ` +
      `the agent first (the SDK's aegis.agent(name, …), sdk.registerAgent, or POST /api/sdk/register-agent)`,
  );

export const notYourAgent = (agent: string) =>
  new DomainError('NOT_YOUR_AGENT', `This key may not act for agent "${agent}"`);

export const unknownApproval = (id: number) =>
  new DomainError('UNKNOWN_APPROVAL', `Approval #${id} does not exist`);

/**
 * An approval or call named by its id, found for an agent this key may not act for: answered as
 * if it did not exist. A "not yours" answer would name the other agent, so an agent key could
 * walk the ids and learn every agent's name and how busy it is.
 */
export function mustActFor(actor: Principal, agent: string, unknown: () => DomainError): void {
  if (!mayActAs(actor, agent)) throw unknown();
}

/** The driver's duplicate-key error (code 11000), however it was wrapped. */
export function isDuplicateKey(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    if (typeof current === 'object' && 'code' in current && current.code === 11000) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
