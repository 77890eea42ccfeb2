import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';

type SchemaObject = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];
import { seedRestRouter } from './seedRouter';

/** Error bodies as the seed had them: `{"detail": "..."}`, plus our machine-readable extras. */
const seedErrorSchema: SchemaObject = {
  type: 'object',
  required: ['detail'],
  properties: {
    detail: { type: 'string', description: 'What went wrong; names the field for bad input' },
    code: { type: 'string', description: 'Extra: the tRPC error code, e.g. NOT_FOUND' },
    issues: {
      type: 'array',
      description: 'Extra: one entry per invalid field',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

/**
 * The OpenAPI 3.1 document of the REST adapter, generated from the procedures' `meta.openapi`
 * and zod schemas. Error schemas are replaced by the seed's `{detail}` shape that the adapter
 * really sends.
 *
 * @param baseUrl - where the API is served, e.g. `/api` or `http://127.0.0.1:8000/api`
 */
export function generateRestOpenApiDocument(baseUrl = '/api'): OpenAPIObject {
  const doc = generateOpenApiDocument(seedRestRouter, {
    title: 'Aegis REST API',
    version: '0.1.0',
    description:
      "The seed's REST paths and JSON shapes over Aegis's services. Authenticate with `Authorization: Bearer <key>`, or HTTP Basic with the key as the password (`http://agent:KEY@host:8000/api`). Times are UTC `YYYY-MM-DD HH:MM:SS`; errors are `{\"detail\": \"...\"}`.",
    baseUrl,
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'An Aegis API key' },
      basic: { type: 'http', scheme: 'basic', description: 'Any user name; the API key as the password' },
    },
    tags: ['dashboard', 'sdk', 'demo', 'health', 'governance'],
  });
  const schemas = doc.components?.schemas ?? {};
  for (const name of Object.keys(schemas)) {
    if (name.startsWith('error.')) schemas[name] = { ...seedErrorSchema, title: name.slice('error.'.length) };
  }
  return doc;
}
