import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  TRPCError,
  transformTRPCResponse,
} from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { Logger } from 'pino';
import { apiResponseHeaders } from '../auth/securityMiddleware';
import { headerSetter } from '../auth/rateLimit';
import type { AuthService } from '../auth/types';
import { appRouter } from '../routers/_app';
import type { Services } from '../services';
import type { Context } from '../trpc/context';
import { MAX_BODY_BYTES } from '../trpc/limits';
import { logWhenFinished, requestIdOf } from './requestLog';

const PATH = 'sdk.decide';
const URL_PATH = `/trpc/${PATH}`;

export interface FastDecide {
  /** Answers the request and returns true when it is a plain `sdk.decide` call; false otherwise. */
  (req: IncomingMessage, res: ServerResponse): boolean;
  /** How many calls took this path (the tests check that the SDK's calls do). */
  readonly handled: number;
}

/**
 * The hot path without the web framework. `sdk.decide` is the call every guarded tool makes, and
 * most of its server time went to Express, helmet and tRPC's adapter (a Fetch `Request`, streams
 * and an `AbortSignal` per request) rather than to the decision. This answers the one request
 * shape the SDK sends for it — `POST /trpc/sdk.decide`, JSON body of known length, an
 * `Authorization` header, no `Origin` — by calling the same tRPC procedure (same middleware: auth,
 * input depth, rate limit, zod input and output) and writing the same answer, status and headers
 * as the full stack. Anything else (a browser's request, a cookie session, a batch, a streamed
 * body) goes to Express unchanged, so CORS and CSRF keep their single home there.
 */
export function createFastDecide(deps: {
  services: Services;
  auth: AuthService;
  logger: Logger;
}): FastDecide {
  const headers = apiResponseHeaders();
  const debug = deps.logger.isLevelEnabled('debug');
  let handled = 0;

  async function answer(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const requestId = requestIdOf(req.headers);
    res.setHeader('x-request-id', requestId);
    for (const [name, value] of headers) res.setHeader(name, value);
    const log = () => deps.logger.child({ reqId: requestId });
    logWhenFinished(res, req, log, debug);
    let ctx: Context | undefined;
    let input: unknown;
    try {
      input = parseBody(body);
      const principal = await deps.auth.resolvePrincipal(req);
      ctx = {
        principal,
        services: deps.services,
        auth: deps.auth,
        requestId,
        setHeader: headerSetter(res),
      };
      const data: unknown = await callTRPCProcedure({
        router: appRouter,
        path: PATH,
        type: 'mutation',
        ctx,
        getRawInput: () => Promise.resolve(input),
        signal: undefined,
        batchIndex: 0,
      });
      send(res, 200, transformTRPCResponse(appRouter._def._config, { result: { data } }));
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        log().error({ err: error.cause ?? error, procedure: PATH }, 'procedure failed');
      }
      const shape = getTRPCErrorShape({
        config: appRouter._def._config,
        error,
        type: 'mutation',
        path: PATH,
        input,
        ctx,
      });
      send(
        res,
        getHTTPStatusCodeFromError(error),
        transformTRPCResponse(appRouter._def._config, { error: shape }),
      );
    }
  }

  const fastDecide = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (!isPlainDecide(req)) return false;
    handled++;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      answer(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        deps.logger.error({ err: error }, 'fast decide path failed');
        if (!res.headersSent) send(res, 500, { error: { message: 'Internal server error' } });
        else res.destroy();
      });
    });
    return true;
  };
  return Object.defineProperty(fastDecide, 'handled', { get: () => handled }) as FastDecide;
}

/** The request shape the SDK's `httpLink` sends for `sdk.decide`, and nothing looser. */
function isPlainDecide(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || req.url !== URL_PATH) return false;
  const h = req.headers;
  const length = Number(h['content-length']);
  return (
    typeof h.authorization === 'string' &&
    h.authorization.trim() !== '' &&
    h.origin === undefined &&
    h['trpc-accept'] === undefined &&
    h['transfer-encoding'] === undefined &&
    typeof h['content-type'] === 'string' &&
    h['content-type'].toLowerCase().startsWith('application/json') &&
    Number.isInteger(length) &&
    length >= 0 &&
    length <= MAX_BODY_BYTES
  );
}

/** A malformed body is BAD_REQUEST with the parser's message, as tRPC's adapter answers it. */
function parseBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (cause) {
    throw new TRPCError({ code: 'BAD_REQUEST', cause });
  }
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
