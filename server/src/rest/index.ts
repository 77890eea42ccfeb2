import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { createOpenApiNodeHttpHandler } from 'trpc-to-openapi';
import type { OpenAPIObject } from 'trpc-to-openapi';
import type { Services } from '../services';
import type { AuthService } from '../auth/types';
import { createRestContext, withoutCookieCredentials } from './context';
import { createDocsRouter } from './docs';
import { seedErrorBodies, seedErrorHandler, seedStatusFor, type SeedError } from './errors';
import { generateRestOpenApiDocument } from './openapi';
import { seedRestRouter } from './seedRouter';

export { generateRestOpenApiDocument } from './openapi';
export { seedRestRouter, type SeedRestRouter } from './seedRouter';

export interface RestDeps {
  services: Services;
  auth: AuthService;
  logger?: Logger;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The REST adapter, to mount at `/api`: the seed's paths and JSON shapes (trpc-to-openapi over
 * the same services and procedure builders as `/trpc`), `/openapi.json`, the `/docs` page and
 * `/health`. Errors are the seed's `{"detail": "..."}`.
 *
 * @example
 * app.use('/api', createRestRouter({ services, auth, logger }));
 */
export function createRestRouter(deps: RestDeps): Router {
  const rest = express.Router();
  let document: OpenAPIObject | undefined;

  rest.use((req, _res, next) => {
    withoutCookieCredentials(req);
    next();
  });
  rest.get('/openapi.json', (req, res) => {
    document ??= generateRestOpenApiDocument(req.baseUrl || '/');
    res.json(document);
  });
  rest.use(createDocsRouter());

  rest.use(express.json({ limit: '1mb' }));
  rest.use((req, _res, next) => {
    // seed clients POST /sdk/init and /demo/seed with no body and no content type
    if (BODY_METHODS.has(req.method) && req.body === undefined && !req.headers['content-type']) {
      req.headers['content-type'] = 'application/json';
      req.body = {};
    }
    next();
  });

  const handler = createOpenApiNodeHttpHandler<typeof seedRestRouter, Request, Response>({
    router: seedRestRouter,
    createContext: ({ req, res }) => createRestContext(deps, req, res),
    responseMeta: ({ errors }) => {
      const first = errors[0];
      const status = first ? seedStatusFor(first) : undefined;
      if (first?.code === 'UNAUTHORIZED') return { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="aegis"' } };
      return status === undefined ? {} : { status };
    },
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') deps.logger?.error({ err: error, path }, 'REST procedure failed');
      else deps.logger?.debug({ code: error.code, path, message: error.message }, 'REST request refused');
    },
  });
  rest.use(seedErrorBodies(), (req, res, next) => {
    handler(req, res, next).catch(next);
  });

  rest.use((_req, res) => {
    res.status(404).json({ detail: 'Not Found' } satisfies SeedError);
  });
  rest.use(seedErrorHandler());
  return rest;
}
