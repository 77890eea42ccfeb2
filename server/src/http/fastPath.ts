import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  TRPCError,
  transformTRPCResponse,
} from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';
import type { Logger } from 'pino';
import { apiResponseHeaders } from '../auth/securityMiddleware';
import { headerSetter } from '../auth/rateLimit';
import type { AuthService } from '../auth/types';
import { appRouter } from '../routers/_app';
import type { Services } from '../services';
import { createContextInner, type Context } from '../trpc/context';
import { procedurePaths, routerConfig } from '../trpc/internals';
import { MAX_BATCH_SIZE, MAX_BODY_BYTES } from '../trpc/limits';
import { logWhenFinished, requestIdOf } from './requestLog';

const PREFIX = '/trpc/';
const config = routerConfig(appRouter);

export interface FastPath {
  /** Answers the request and returns true when it is a call this path takes; false otherwise. */
  (req: IncomingMessage, res: ServerResponse): boolean;
  /** How many requests took this path (the tests check which ones do). */
  readonly handled: number;
}

type Call = { path: string; input: unknown } | { path: string; error: TRPCError };

interface Route {
  type: 'query' | 'mutation';
  paths: string[];
  batch: boolean;
  /** A query's input from the URL (`input=`); mutations carry theirs in the body. */
  urlInput: string | null;
}

/**
 * tRPC calls without the web framework. Every guarded tool call makes an `sdk.decide` (and,
 * allowed, an `sdk.complete`), and most of their server time went to Express, helmet and tRPC's
 * adapter (a Fetch `Request`, streams and an `AbortSignal` per request) rather than to the
 * decision. This path answers two request shapes by calling the same tRPC procedures (same
 * middleware: auth, roles, input depth, rate limit, zod input and output) and writing the same
 * answer, status and headers as the full stack:
 * - mutations with a key: `POST /trpc/<path>` or a batch `POST /trpc/<path>,<path>?batch=1`, a
 *   JSON body of known length, an `Authorization` header (the SDK, the CLI, scripts);
 * - queries: `GET /trpc/<path>?input=…` or a batch of them, with a key or a session cookie (reads
 *   need no CSRF token).
 * Neither may carry an `Origin` header. Anything else (a browser's cross-origin request or
 * cookie-authenticated write, `auth.*`, subscriptions, a streamed body) goes to Express
 * unchanged, so CORS, CSRF and cookies keep their single home there. server/test/fastPath.test.ts
 * sends every case both ways and compares the answers.
 */
/** What a fast path needs: the services, authentication and the logger (this one and the REST one). */
export interface FastPathDeps {
  services: Services;
  auth: AuthService;
  logger: Logger;
}

export function createFastPath(deps: FastPathDeps): FastPath {
  const headers = apiResponseHeaders();
  const debug = deps.logger.isLevelEnabled('debug');
  let handled = 0;

  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    body: Buffer | null,
  ): Promise<void> {
    const requestId = requestIdOf(req.headers);
    res.setHeader('x-request-id', requestId);
    for (const [name, value] of headers) res.setHeader(name, value);
    const log = () => deps.logger.child({ reqId: requestId });
    logWhenFinished(res, req, log, debug);

    const ctx: Context = {
      ...createContextInner({
        principal: await deps.auth.resolvePrincipal(req),
        services: deps.services,
        auth: deps.auth,
        requestId,
      }),
      setHeader: headerSetter(res),
      headers: req.headers,
    };
    const calls = readCalls(route, body === null ? route.urlInput : body.toString('utf8'));
    const results = await Promise.all(
      calls.map(async (call, batchIndex) => {
        const input = 'input' in call ? call.input : undefined;
        try {
          if ('error' in call) throw call.error;
          const data: unknown = await callTRPCProcedure({
            router: appRouter,
            path: call.path,
            type: route.type,
            ctx,
            getRawInput: () => Promise.resolve(input),
            signal: undefined,
            batchIndex,
          });
          return { result: { data } };
        } catch (cause) {
          const error = getTRPCErrorFromUnknown(cause);
          if (error.code === 'INTERNAL_SERVER_ERROR') {
            log().error({ err: error.cause ?? error, procedure: call.path }, 'procedure failed');
          }
          const { type } = route;
          return { error: getTRPCErrorShape({ config, error, type, path: call.path, input, ctx }) };
        }
      }),
    );
    const status = getHTTPStatusCode(results);
    const [single] = results;
    if (!single) throw new Error('a route names at least one procedure');
    send(res, status, transformTRPCResponse(config, route.batch ? results : single));
  }

  const failed = (res: ServerResponse) => (error: unknown) => {
    deps.logger.error({ err: error }, 'fast path failed');
    const data = { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 };
    if (res.headersSent) res.destroy();
    else send(res, 500, { error: { message: 'Internal server error', code: -32603, data } });
  };

  const fastPath = (req: IncomingMessage, res: ServerResponse): boolean => {
    const route = hotRoute(req);
    if (!route) return false;
    handled++;
    if (route.type === 'query') {
      // a GET has no body to wait for
      req.resume();
      void answer(req, res, route, null).catch(failed(res));
      return true;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      answer(req, res, route, Buffer.concat(chunks)).catch(failed(res));
    });
    return true;
  };
  return Object.defineProperty(fastPath, 'handled', { get: () => handled }) as FastPath;
}

/**
 * The route of a request this path takes, or null when the request is anything looser: an SDK
 * hot mutation (POST with a key) or a query (GET with a key or a session: no CSRF for reads).
 */
function hotRoute(req: IncomingMessage): Route | null {
  const h = req.headers;
  if (!req.url?.startsWith(PREFIX) || h.origin !== undefined || h['trpc-accept'] !== undefined)
    return null;
  const [rawPath = '', search = ''] = req.url.slice(PREFIX.length).split('?', 2);
  let paths: string[];
  try {
    paths = decodeURIComponent(rawPath).split(',');
  } catch {
    return null;
  }
  const params = new URLSearchParams(search);
  const batch = params.get('batch') === '1';
  if ((!batch && paths.length > 1) || paths.length > MAX_BATCH_SIZE) return null;
  if (req.method === 'GET') {
    if (h['transfer-encoding'] !== undefined || h['content-length'] !== undefined) return null;
    if ([...params.keys()].some((key) => key !== 'batch' && key !== 'input')) return null;
    if (!paths.every((p) => QUERIES.has(p))) return null;
    return { type: 'query', paths, batch, urlInput: params.get('input') };
  }
  const length = Number(h['content-length']);
  const plain =
    req.method === 'POST' &&
    search === (batch ? 'batch=1' : '') &&
    typeof h.authorization === 'string' &&
    h.authorization.trim() !== '' &&
    h['transfer-encoding'] === undefined &&
    typeof h['content-type'] === 'string' &&
    h['content-type'].toLowerCase().startsWith('application/json') &&
    Number.isInteger(length) &&
    length >= 0 &&
    length <= MAX_BODY_BYTES;
  if (!plain || !paths.every((p) => MUTATIONS.has(p))) return null;
  return { type: 'mutation', paths, batch, urlInput: null };
}

/** Procedure paths of one type, `auth.*` left out. */
function pathsOf(type: 'query' | 'mutation'): ReadonlySet<string> {
  const all = [...procedurePaths(appRouter)];
  return new Set(all.filter(([path, t]) => t === type && !path.startsWith('auth.')).map(([path]) => path));
}
/**
 * What this path may answer: every query, and every mutation with a key — except `auth.*`, whose
 * login and logout set and clear cookies through Express's request and response.
 */
const QUERIES = pathsOf('query');
const MUTATIONS = pathsOf('mutation');

/** Each call's input, or the error tRPC's adapter gives it for this body. */
function readCalls(route: Route, text: string | null): Call[] {
  // a query without `input=` has none (tRPC's adapter reads it as an empty batch)
  if (text === null) return route.paths.map((path) => ({ path, input: undefined }));
  let inputs: unknown;
  try {
    inputs = JSON.parse(text);
  } catch (cause) {
    // A malformed body is BAD_REQUEST with the parser's message, as the adapter answers it.
    const error = new TRPCError({ code: 'BAD_REQUEST', cause });
    return route.paths.map((path) => ({ path, error }));
  }
  if (!route.batch) return [{ path: route.paths[0] as string, input: inputs }];
  if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) {
    const message = '"input" needs to be an object when doing a batch call';
    const error = new TRPCError({ code: 'BAD_REQUEST', message });
    return route.paths.map((path) => ({ path, error }));
  }
  const byIndex = inputs as Record<string, unknown>;
  return route.paths.map((path, index) => ({ path, input: byIndex[index] }));
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  // as tRPC's adapter says: the answer's format depends on these request headers
  res.setHeader('vary', 'trpc-accept, accept');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
