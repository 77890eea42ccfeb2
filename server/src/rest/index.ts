import express, { type Request, type Response, type Router } from 'express';
import type { TRPCError } from '@trpc/server';
import type { Logger } from 'pino';
import { createOpenApiNodeHttpHandler } from 'trpc-to-openapi';
import type { OpenAPIObject } from 'trpc-to-openapi';
import type { Services } from '../services';
import type { AuthService } from '../auth/types';
import { jsonDepthGuard } from '../auth/jsonDepth';
import type { RequestWithId } from '../http/requestLog';
import { createExpressContext } from '../trpc/expressContext';
import { withoutCookieCredentials } from './credentials';
import { createDocsRouter } from './docs';
import { seedErrorBodies, seedErrorHandler, seedStatusFor, type SeedError } from './errors';
import { headAsGet } from './head';
import { generateRestOpenApiDocument } from './openapi';
import { seedRestRouter } from './seedRouter';

export { generateRestOpenApiDocument } from './openapi';
export { seedRestRouter, type SeedRestRouter } from './seedRouter';

export interface RestDeps {
  services: Services;
  auth: AuthService;
  logger?: Logger;
}

/** The REST body limit (express.json's `1mb`); larger bodies are 413. */
export const REST_BODY_LIMIT = 1024 * 1024;

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

  rest.use(express.json({ limit: REST_BODY_LIMIT }), jsonDepthGuard());
  rest.use((req, _res, next) => {
    // seed clients POST /sdk/init and /demo/seed with no body and no content type
    if (BODY_METHODS.has(req.method) && req.body === undefined && !req.headers['content-type']) {
      req.headers['content-type'] = 'application/json';
      req.body = {};
    }
    next();
  });

  const handler = createSeedHandler(deps);
  rest.use(headAsGet(), seedErrorBodies(), (req, res, next) => {
    handler(req, res, next).catch(next);
  });

  rest.use((_req, res) => {
    res.status(404).json({ detail: 'Not Found' } satisfies SeedError);
  });
  rest.use(seedErrorHandler());
  return rest;
}

/**
 * What the trpc-to-openapi handler over {@link seedRestRouter} is given: the context, the
 * status of an error answer and the log of a failed procedure. http/restFastPath.ts calls the
 * seed's three SDK procedures with the same three.
 */
export function seedHandlerOptions(deps: RestDeps) {
  return {
    // the same context as /trpc: the principal from the request's credentials
    createContext: createExpressContext(deps),
    responseMeta: ({ errors }: { errors: TRPCError[] }) => {
      const first = errors[0];
      const status = first ? seedStatusFor(first) : undefined;
      if (first?.code === 'UNAUTHORIZED') return { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="aegis"' } };
      return status === undefined ? {} : { status };
    },
    onError: ({ error, path, req }: { error: TRPCError; path?: string; req: unknown }) => {
      // expected failures (bad input, not found, refused) are answers, not server errors
      if (error.code !== 'INTERNAL_SERVER_ERROR') return;
      const log = (req as RequestWithId).log ?? deps.logger;
      log?.error({ err: error.cause ?? error, procedure: path }, 'REST procedure failed');
    },
  };
}

/** The trpc-to-openapi handler over {@link seedRestRouter}; the REST router and http/restFastPath.ts share its code. */
export function createSeedHandler(deps: RestDeps) {
  return createOpenApiNodeHttpHandler<typeof seedRestRouter, Request, Response>({
    router: seedRestRouter,
    ...seedHandlerOptions(deps),
  });
}
