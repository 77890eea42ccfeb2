import type { StructuredToolInterface } from '@langchain/core/tools';
import { toJsonSchema } from '@langchain/core/utils/json_schema';
import type { ToolDeclarationInput } from '../types';

const ACTION = /^[A-Za-z0-9_.:/-]{1,128}$/;
const strings = (value: unknown): string[] =>
  Array.isArray(value)
    ? value
        .filter((v): v is string => typeof v === 'string' && v.length > 0 && v.length <= 64)
        .slice(0, 32)
    : [];

/**
 * What a LangChain tool says about itself, as a manifest declaration: its name, description and
 * argument JSON Schema (from its zod or JSON schema), and tags / data categories from
 * `metadata: { aegisTags: ['pii'], dataCategories: ['pii'] }`. Null for a name Aegis can't take.
 */
export function declarationOf(tool: StructuredToolInterface): ToolDeclarationInput | null {
  if (!ACTION.test(tool.name)) return null;
  const meta = (tool as { metadata?: Record<string, unknown> }).metadata ?? {};
  let argsSchema: Record<string, unknown> | undefined;
  try {
    argsSchema = toJsonSchema(tool.schema);
  } catch {
    argsSchema = undefined; // a schema the converter doesn't know: declared without one
  }
  return {
    name: tool.name,
    description: (tool.description ?? '').slice(0, 2000),
    ...(argsSchema ? { argsSchema } : {}),
    tags: strings(meta.aegisTags),
    dataCategories: strings(meta.dataCategories),
  };
}
