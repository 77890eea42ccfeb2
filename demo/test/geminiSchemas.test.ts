import { ChatGoogleGenerativeAI } from '@langchain/google-genai';
import { describe, expect, it } from 'vitest';
import type { BankDb } from '@aegis/demo-bank';
import { createBankTools } from '../src/tools/index.js';

/** The fields Gemini's function-declaration Schema accepts; anything else is a 400 at run time. */
const GEMINI_SCHEMA_KEYS = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'anyOf',
  'propertyOrdering',
  'default',
  'items',
  'minimum',
  'maximum',
]);

function unsupportedKeys(schema: unknown, path: string): string[] {
  if (!schema || typeof schema !== 'object') return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(schema)) {
    if (!GEMINI_SCHEMA_KEYS.has(key)) out.push(`${path}.${key}`);
    if (key === 'properties') {
      for (const [name, child] of Object.entries(value as object))
        out.push(...unsupportedKeys(child, `${path}.${name}`));
    } else if (key === 'items') out.push(...unsupportedKeys(value, `${path}[]`));
  }
  return out;
}

describe('the 17 tools as Gemini sees them (no network)', () => {
  const model = new ChatGoogleGenerativeAI({ model: 'gemini-2.5-flash-lite', apiKey: 'test-key' });
  // The schemas do not touch the database; a stand-in handle is enough to build them.
  const tools = createBankTools({} as BankDb);
  const params = model.invocationParams({ tools }) as {
    tools?: { functionDeclarations: { name: string; parameters?: { required?: string[] } }[] }[];
  };
  const declarations = params.tools?.[0]?.functionDeclarations ?? [];

  it('declares all 17 functions', () => {
    expect(declarations.map((d) => d.name)).toEqual(tools.map((t) => t.name));
  });

  it('uses only schema fields Gemini accepts', () => {
    expect(declarations.flatMap((d) => unsupportedKeys(d.parameters, d.name))).toEqual([]);
  });

  it('does not force the model to send optional arguments', () => {
    const required = (name: string) =>
      declarations.find((d) => d.name === name)?.parameters?.required ?? [];
    expect(required('get_transaction_history')).toEqual(['customer_id']);
    expect(required('connect_external')).toEqual([]);
    expect(required('export_customer_list')).toEqual([]);
  });
});
