import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { actionName, agentName, isDomainError, toolArgs } from '@aegis/shared';
import { jsonDepth, MAX_JSON_DEPTH } from '../auth/jsonDepth';

/**
 * Input pieces of the seed's REST paths. trpc-to-openapi hands path parameters over still
 * percent-encoded (`my%20agent`), so path parameters decode first; and it flips `coerce` on the
 * number schemas it finds, so ids are local schemas here, never shared singletons.
 */

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // a stray "%" is a bad name, which the pipe below reports for the field
    return value;
  }
}

/** A path parameter carrying an agent name. */
export const agentPathParam = z.string().transform(decoded).pipe(agentName);

/** A path parameter carrying an action name. */
export const actionPathParam = z.string().transform(decoded).pipe(actionName);

/** A sequential id (approval, audit entry): a positive integer, from the path or the body. */
export function idParam(description: string) {
  return z.number().int().positive().describe(description);
}

/** The seed sent arguments as a JSON string; it must hold a JSON object. */
export function parseArgsJson(argsJson: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(argsJson);
  } catch {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'args_json: not valid JSON' });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'args_json: must be a JSON object' });
  }
  if (jsonDepth(parsed, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: `args_json: nested deeper than ${MAX_JSON_DEPTH} levels` });
  }
  const checked = toolArgs.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue?.path.length ? ` (at ${issue.path.map(String).join('.')})` : '';
    throw new TRPCError({ code: 'BAD_REQUEST', message: `args_json: ${issue?.message ?? 'invalid'}${where}` });
  }
  return checked.data;
}

/** Runs a lookup, turning the service's NOT_FOUND into `null` (the seed answered null, not 404). */
export async function orNull<T>(lookup: Promise<T>): Promise<T | null> {
  try {
    return await lookup;
  } catch (error) {
    if (isDomainError(error) && error.transport === 'NOT_FOUND') return null;
    throw error;
  }
}
