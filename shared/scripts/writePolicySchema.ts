/** Regenerates shared/schemas/policy.schema.json from the zod schema: `npx tsx shared/scripts/writePolicySchema.ts`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { policyJsonSchemaText } from '../src/policy/jsonSchema';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas', 'policy.schema.json');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, policyJsonSchemaText());
console.log(`wrote ${target}`);
