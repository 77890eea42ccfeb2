import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policyJsonSchemaText } from './jsonSchema';

describe('policy JSON Schema', () => {
  it('is committed and up to date (regenerate: npx tsx shared/scripts/writePolicySchema.ts)', () => {
    const committed = readFileSync(join(import.meta.dirname, '..', '..', 'schemas', 'policy.schema.json'), 'utf8');
    expect(committed).toBe(policyJsonSchemaText());
  });

  it('describes both kinds and the rule fields editors complete', () => {
    const schema = JSON.parse(policyJsonSchemaText()) as { oneOf: { properties: { kind: { const: string }; rules: { items: { properties: Record<string, unknown> } } } }[] };
    expect(schema.oneOf.map((s) => s.properties.kind.const)).toEqual(['AgentPolicy', 'GlobalPolicy']);
    expect(Object.keys(schema.oneOf[1]!.properties.rules.items.properties)).toEqual(
      expect.arrayContaining(['id', 'agents', 'actions', 'when', 'effect', 'reason', 'severity', 'priority', 'notify', 'on']),
    );
  });
});
