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
import type { Context } from '../trpc/context';
import { MAX_BATCH_SIZE, MAX_BODY_BYTES } from '../trpc/limits';
import { logWhenFinished, requestIdOf } from './requestLog';

/** The SDK's per-tool-call mutations: the decision, the outcome report, local mode's records. */
const HOT_PROCEDURES: ReadonlySet<string> = new Set([
  'sdk.decide',
  'sdk.complete',
  'sdk.recordBatch',
]);
const PREFIX = '/trpc/';
const config = appRouter._def._config;

export interface FastPath {
  /** Answers the request and returns true when it is an SDK hot-path call; false otherwise. */
  (req: IncomingMessage, res: ServerResponse): boolean;
  /** How many requests took this path (the tests check which ones do). */
  readonly handled: number;
}

type Call = { path: string; input: unknown } | { path: string; error: TRPCError };

/**
 * The SDK's hot path without the web framework. Every guarded tool call makes an `sdk.decide`
 * (and, allowed, an `sdk.complete`), and most of their server time went to Express, helmet and
 * tRPC's adapter (a Fetch `Request`, streams and an `AbortSignal` per request) rather than to the
 * decision. This answers the request shape the SDK sends for those mutations — `POST /trpc/<path>`
 * or a batch `POST /trpc/<path>,<path>?batch=1` of them, a JSON body of known length, an
 * `Authorization` header, no `Origin` — by calling the same tRPC procedures (same middleware:
 * auth, input depth, rate limit, zod input and output) and writing the same answer, status and
 * headers as the full stack. Anything else (a browser's request, a cookie session, another
 * procedure, a streamed body) goes to Express unchanged, so CORS and CSRF keep their single home.
 */
export function createFastPath(deps: {
  services: Services;
  auth: AuthService;
  logger: Logger;
}): FastPath {
  const headers = apiResponseHeaders();
  const debug = deps.logger.isLevelEnabled('debug');
  let handled = 0;

  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    route: { paths: string[]; batch: boolean },
    body: Buffer,
  ): Promise<void> {
    const requestId = requestIdOf(req.headers);
    res.setHeader('x-request-id', requestId);
    for (const [name, value] of headers) res.setHeader(name, value);
    const log = () => deps.logger.child({ reqId: requestId });
    logWhenFinished(res, req, log, debug);

    const ctx: Context = {
      principal: await deps.auth.resolvePrincipal(req),
      services: deps.services,
      auth: deps.auth,
      requestId,
      setHeader: headerSetter(res),
    };
    const calls = readCalls(route, body);
    const results = await Promise.all(
      calls.map(async (call, batchIndex) => {
        const input = 'input' in call ? call.input : undefined;
        try {
          if ('error' in call) throw call.error;
          const data: unknown = await callTRPCProcedure({
            router: appRouter,
            path: call.path,
            type: 'mutation',
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
          const type = 'mutation' as const;
          return { error: getTRPCErrorShape({ config, error, type, path: call.path, input, ctx }) };
        }
      }),
    );
    const status = getHTTPStatusCode(results);
    const payload = route.batch ? results : results[0];
    send(res, status, transformTRPCResponse(config, payload as never));
  }

  const fastPath = (req: IncomingMessage, res: ServerResponse): boolean => {
    const route = hotRoute(req);
    if (!route) return false;
    handled++;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      answer(req, res, route, Buffer.concat(chunks)).catch((error: unknown) => {
        deps.logger.error({ err: error }, 'fast path failed');
        const data = { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 };
        if (!res.headersSent) send(res, 500, { error: { message: 'Internal server error', code: -32603, data } });
        else res.destroy();
      });
    });
    return true;
  };
  return Object.defineProperty(fastPath, 'handled', { get: () => handled }) as FastPath;
}

/** The procedures a hot request calls, or null when the request is anything looser. */
function hotRoute(req: IncomingMessage): { paths: string[]; batch: boolean } | null {
  if (req.method !== 'POST' || !req.url?.startsWith(PREFIX)) return null;
  const h = req.headers;
  const length = Number(h['content-length']);
  const plain =
    typeof h.authorization === 'string' &&
    h.authorization.trim() !== '' &&
    h.origin === undefined &&
    h['trpc-accept'] === undefined &&
    h['transfer-encoding'] === undefined &&
    typeof h['content-type'] === 'string' &&
    h['content-type'].toLowerCase().startsWith('application/json') &&
    Number.isInteger(length) &&
    length >= 0 &&
    length <= MAX_BODY_BYTES;
  if (!plain) return null;
  const [path = '', query, ...rest] = req.url.slice(PREFIX.length).split('?');
  const batch = query === 'batch=1';
  if (rest.length > 0 || (query !== undefined && !batch)) return null;
  const paths = batch ? path.split(',') : [path];
  if (paths.length > MAX_BATCH_SIZE || !paths.every((p) => HOT_PROCEDURES.has(p))) return null;
  return { paths, batch };
}

/** Each call's input, or the error tRPC's adapter gives it for this body. */
function readCalls(route: { paths: string[]; batch: boolean }, body: Buffer): Call[] {
  let inputs: unknown;
  try {
    inputs = JSON.parse(body.toString('utf8'));
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
