import { z } from 'zod';
import { policyDocument } from '../schemas/policyRules';

/**
 * The JSON Schema editors use to complete and check policy files, generated from the zod schema
 * (so the two can't drift; a test compares it with the committed `shared/schemas/policy.schema.json`).
 * Refinements (duplicate ids, `agents` only in a GlobalPolicy) are not expressible in it: the
 * compiler reports those.
 */
export function policyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(policyDocument, { target: 'draft-2020-12', io: 'input' });
  return {
    title: 'Aegis policy (AgentPolicy or GlobalPolicy)',
    ...schema,
  };
}

/** The committed file's text: stable key order, two-space indent, final newline. */
export function policyJsonSchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}
