import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { jsonDepth, MAX_JSON_DEPTH } from '../auth/jsonDepth';
import { apiResponseHeaders } from '../auth/securityMiddleware';
import { callTRPCProcedure, getTRPCErrorShape, TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { REST_BODY_LIMIT, seedHandlerOptions, seedRestRouter } from '../rest';
import type { Context } from '../trpc/context';
import { routerConfig } from '../trpc/internals';
import { seedErrorBodies, seedErrorHandler, type SeedError } from '../rest/errors';
import { lengthFromBody } from '../rest/head';
import type { FastPath, FastPathDeps } from './fastPath';
import { logWhenFinished, requestIdOf, type RequestWithId } from './requestLog';

/** A path segment this path takes as it is: no percent-encoding, no dot segments. */
const SEGMENT = /^[A-Za-z0-9_~.-]+$/;
const JSON_TYPES = new Set([
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=utf-8',
]);
const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const config = routerConfig(seedRestRouter);
/** The handler's `info` (batching, connection params): the context does not read it. */
const NO_INFO = {} as Parameters<ReturnType<typeof seedHandlerOptions>['createContext']>[0]['info'];

/** One of the three requests: the REST procedure it names and the input its path carries. */
interface SeedCall {
  kind: 'read' | 'log';
  path: 'sdkQuery.agentStatus' | 'sdkQuery.policyRule' | 'sdk.log';
  pathInput: Record<string, string>;
}

/**
 * The seed SDK's three requests per guarded tool call without Express: `GET
 * /api/sdk/agent-status/{name}`, `GET /api/sdk/policy/{agent_name}/{action}` and `POST
 * /api/sdk/log`. Express, helmet, the CORS/CSRF guards and the body parser cost more server time
 * than the work. This path does what they do for these requests — the request id and log line,
 * the API's security headers, express.json's parsing (strict, BOM, the `{detail}` answer to a
 * malformed body), the depth guard, the cookie drop on writes — and calls the REST procedure as
 * the trpc-to-openapi handler would (its context, input, status and error body, with the same
 * `{detail}` rewrite), without the Fetch `Request` and `AbortSignal` that handler builds for
 * every request, so the procedure, its middleware and every answer are the REST router's.
 *
 * Taken only by the plain shape: an `Authorization` header, no `Origin`, no query string, path
 * segments of plain characters; a GET (or HEAD: the same answer without its body) without a body; a POST of `application/json` (utf-8) with a
 * `content-length` from 1 byte to the REST body limit and no content encoding. Anything else goes
 * to Express unchanged. server/test/restFastPath.test.ts sends every case both ways.
 */
export function createRestFastPath(deps: FastPathDeps): FastPath {
  const headers = apiResponseHeaders();
  const debug = deps.logger.isLevelEnabled('debug');
  const seed = seedHandlerOptions(deps);
  const rewriteErrors = seedErrorBodies();
  const onError = seedErrorHandler();
  let handled = 0;

  function begin(req: IncomingMessage, res: ServerResponse): string {
    const url = req.url as string;
    const r = req as RequestWithId;
    const id = requestIdOf(req.headers);
    r.id = id;
    let child: Logger | undefined;
    const log = () => (child ??= deps.logger.child({ reqId: id }));
    Object.defineProperty(req, 'log', { configurable: true, get: log });
    res.setHeader('x-request-id', id);
    logWhenFinished(res, { method: req.method, url }, log, debug);
    for (const [name, value] of headers) res.setHeader(name, value);
    // as the REST router sees it: mounted at /api
    req.url = url.slice('/api'.length);
    return url;
  }

  /** What the REST router does after its body parser: the `{detail}` rewrite, then the procedure. */
  function handle(req: IncomingMessage, res: ServerResponse, call: SeedCall, body?: unknown): void {
    const expressRes = res as unknown as Response;
    const expressReq = req as unknown as Request;
    const errorAnswer = (err: unknown) =>
      onError(err, expressReq, expressAnswer(req, res), () => {
        deps.logger.error({ err }, 'REST fast path failed');
        if (!res.headersSent) expressJson(req, res, 500, { detail: 'Internal server error' });
        else res.destroy();
      });
    // HEAD: GET's answer without its body, with its length (rest/head.ts, as the REST router does)
    if (req.method === 'HEAD') lengthFromBody(res);
    rewriteErrors(expressReq, expressRes, () => {
      // trpc-to-openapi's input: the body (or the query string, empty here) and the path's params
      const input = { ...(call.kind === 'log' ? (body as object) : {}), ...call.pathInput };
      answer(expressReq, expressRes, call, input).catch(errorAnswer);
    });
  }

  /**
   * The procedure's answer as trpc-to-openapi's node handler writes it: the data with 200, or its
   * error body (`message`, `code`, `issues` over tRPC's error shape) with the status `responseMeta`
   * gives or the code's — which the `{detail}` rewrite then turns into the seed's shape.
   */
  async function answer(
    req: Request,
    res: Response,
    call: SeedCall,
    input: Record<string, unknown>,
  ): Promise<void> {
    const type = call.path === 'sdk.log' ? 'mutation' : 'query';
    let ctx: Context | undefined;
    try {
      ctx = await seed.createContext({ req, res, info: NO_INFO });
      const data: unknown = await callTRPCProcedure({
        router: seedRestRouter,
        path: call.path,
        type,
        ctx,
        getRawInput: () => Promise.resolve(input),
        signal: undefined,
        batchIndex: 0,
      });
      const meta = seed.responseMeta({ errors: [] });
      sendJson(res, meta.status ?? 200, meta.headers, data);
    } catch (cause) {
      const error = openApiError(cause);
      seed.onError({ error, path: call.path, req });
      const meta = seed.responseMeta({ errors: [error] });
      const shape = getTRPCErrorShape({ config, error, type, path: call.path, input, ctx });
      const invalidInput =
        error.code === 'BAD_REQUEST' &&
        error.cause instanceof Error &&
        error.cause.name === 'ZodError';
      const body = {
        ...shape,
        message: invalidInput ? 'Input validation failed' : shape.message,
        code: error.code,
        issues: invalidInput ? (error.cause as unknown as { issues: unknown }).issues : undefined,
      };
      sendJson(res, meta.status ?? getHTTPStatusCodeFromError(error), meta.headers, body);
    }
  }

  const restFastPath = (req: IncomingMessage, res: ServerResponse): boolean => {
    const call = restRoute(req);
    if (call === null) return false;
    handled++;
    if (call.kind === 'read') {
      req.resume();
      begin(req, res);
      handle(req, res, call);
      return true;
    }
    begin(req, res);
    // the REST router drops cookies on writes (rest/credentials.ts)
    delete req.headers.cookie;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // express.json: utf-8 without a BOM, strict (an object or array), else 400
      let text = Buffer.concat(chunks).toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      let body: unknown;
      try {
        body = parseStrict(text);
      } catch {
        expressJson(req, res, 400, { detail: 'body: not a valid JSON object' } satisfies SeedError);
        return;
      }
      if (
        body !== null &&
        typeof body === 'object' &&
        jsonDepth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH
      ) {
        expressJson(req, res, 400, { detail: `body: nested deeper than ${MAX_JSON_DEPTH} levels` });
        return;
      }
      (req as IncomingMessage & { body?: unknown }).body = body;
      handle(req, res, call, body);
    });
    return true;
  };
  return Object.defineProperty(restFastPath, 'handled', { get: () => handled }) as FastPath;
}

/** Which of the three requests this is, in the plain shape this path takes; null otherwise. */
function restRoute(req: IncomingMessage): SeedCall | null {
  const h = req.headers;
  const url = req.url;
  if (
    url === undefined ||
    !url.startsWith('/api/sdk/') ||
    url.includes('?') ||
    h.origin !== undefined ||
    typeof h.authorization !== 'string' ||
    h.authorization.trim() === ''
  )
    return null;
  const segments = url.slice('/api/sdk/'.length).split('/');
  if (!segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..')) return null;
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (h['transfer-encoding'] !== undefined || h['content-length'] !== undefined) return null;
    // Express answers a conditional GET from its ETag: leave those to it
    if (h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined) return null;
    const [first] = segments;
    // as trpc-to-openapi reads them: the path's segments undecoded (plain characters only here)
    if (first === 'agent-status' && segments.length === 2)
      return { kind: 'read', path: 'sdkQuery.agentStatus', pathInput: { name: segments[1] ?? '' } };
    if (first === 'policy' && segments.length === 3)
      return {
        kind: 'read',
        path: 'sdkQuery.policyRule',
        pathInput: { agent_name: segments[1] ?? '', action: segments[2] ?? '' },
      };
    return null;
  }
  if (req.method !== 'POST' || segments.length !== 1 || segments[0] !== 'log') return null;
  const length = Number(h['content-length']);
  const type = h['content-type'];
  const plain =
    h['transfer-encoding'] === undefined &&
    h['content-encoding'] === undefined &&
    typeof type === 'string' &&
    JSON_TYPES.has(type.toLowerCase()) &&
    Number.isInteger(length) &&
    length > 0 &&
    length <= REST_BODY_LIMIT;
  return plain ? { kind: 'log', path: 'sdk.log', pathInput: {} } : null;
}

/** trpc-to-openapi's reading of a thrown value: a TRPCError as it is, anything else a 500. */
function openApiError(cause: unknown): TRPCError {
  if (cause instanceof Error && cause.name === 'TRPCError') return cause as TRPCError;
  const error = new TRPCError({
    message: 'Internal server error',
    code: 'INTERNAL_SERVER_ERROR',
    cause: cause instanceof Error ? cause : undefined,
  });
  if (cause instanceof Error && cause.stack) error.stack = cause.stack;
  return error;
}

/** trpc-to-openapi's `sendResponse`: JSON with its content type, written in one `end`. */
function sendJson(
  res: Response,
  status: number,
  headers: Record<string, string> | undefined,
  body: unknown,
): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  for (const [key, value] of Object.entries(headers ?? {})) res.setHeader(key, value);
  res.end(JSON.stringify(body));
}

/** body-parser's strict JSON: an empty body is `{}`; anything but an object or array is an error. */
function parseStrict(text: string): unknown {
  if (text.length === 0) return {};
  let i = 0;
  while (i < text.length && WHITESPACE.has(text[i] as string)) i++;
  const first = text[i];
  if (first !== '{' && first !== '[') throw new SyntaxError('strict violation');
  return JSON.parse(text);
}

/** Express's `res.status(status).json(body)`: utf-8 JSON with a weak ETag. */
function expressJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
): void {
  const chunk = Buffer.from(JSON.stringify(body), 'utf8');
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', chunk.length);
  if (!res.hasHeader('etag')) res.setHeader('etag', weakETag(chunk));
  if (req.method === 'HEAD') res.end();
  else res.end(chunk);
}

/** The `etag` package's weak tag, as Express sets it on `res.json` answers. */
function weakETag(chunk: Buffer): string {
  const hash = createHash('sha1').update(chunk).digest('base64').substring(0, 27);
  return `W/"${chunk.length.toString(16)}-${hash}"`;
}

/** The little of Express's response that seedErrorHandler uses. */
function expressAnswer(req: IncomingMessage, res: ServerResponse): Response {
  const answer = {
    get headersSent() {
      return res.headersSent;
    },
    status(code: number) {
      res.statusCode = code;
      return answer;
    },
    json(body: unknown) {
      expressJson(req, res, res.statusCode, body);
      return answer;
    },
  };
  return answer as unknown as Response;
}
