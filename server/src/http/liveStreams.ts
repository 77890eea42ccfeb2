import type { NextFunction, Request, Response } from 'express';
import {
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  isTrackedEnvelope,
  TRPCError,
  type TRPCError as TRPCErrorType,
} from '@trpc/server';
import type { CreateExpressContextOptions } from '@trpc/server/adapters/express';
import type { StreamEnd, StreamWatcher } from '../auth';
import { appRouter } from '../routers/_app';
import type { Context } from '../trpc/context';
import { routerConfig } from '../trpc/internals';

const config = routerConfig(appRouter);
const sse = config.sse ?? {};
const PING_MS = sse.ping?.enabled ? (sse.ping.intervalMs ?? 1_000) : 0;
const CONNECTED = `event: connected\ndata: ${JSON.stringify(sse.client ?? {})}\n\n`;

/**
 * Live streams (tRPC subscriptions over SSE) without tRPC's web-streams pipeline. tRPC's adapter
 * sends each event through an async-generator chain, a TransformStream, a TextEncoderStream and
 * a ReadableStream reader, in four chunks: measured at 170–400 µs of server CPU per event per
 * subscriber, so 500 open dashboards made every audit write cost ~200 ms (bench scenario 5).
 * This path calls the same procedure (same middleware: auth, roles, zod input), writes each
 * event as one chunk in tRPC's own SSE format (`connected`, `id`/`data`, `ping`,
 * `serialized-error`, `return` — the unchanged `httpSubscriptionLink` reads it), and serializes an
 * event once for every subscriber that receives the same object (routers parse live events once
 * with parseOnce). Backpressure: while a socket can't take more, nothing is pulled from the
 * procedure, so its own bounded queue (streamWithResume) drops a reader that never catches up.
 * Mount at `/trpc` after the stream limit; anything that is not a single GET subscription goes on
 * to tRPC's adapter. The principal is resolved once, at connect; `guard` ends the stream when its
 * key is revoked or changed or its session ends (an UNAUTHORIZED error event, so the client stops
 * rather than retrying), and holds each event while a check of the credentials is running.
 */
export function serveLiveStreams(opts: {
  createContext: (o: CreateExpressContextOptions) => Promise<Context>;
  subscriptions: ReadonlySet<string>;
  onError: (error: TRPCErrorType, path: string, req: Request) => void;
  guard?: StreamWatcher;
}) {
  return function liveStream(req: Request, res: Response, next: NextFunction) {
    // A batch is what tRPC's adapter reads as one (it refuses subscriptions in it): `?batch=0`
    // or `?batch[x]=1` were passed on and served there, without the revocation guard.
    if (req.method !== 'GET' || isTrpcBatch(req)) return next();
    const path = decodeURIComponent(req.path.slice(1));
    if (!opts.subscriptions.has(path)) return next();
    void stream(req, res, path).catch((error: unknown) => {
      // Nothing here should throw; if it does the stream ends rather than the process.
      opts.onError(getTRPCErrorFromUnknown(error), path, req);
      res.destroy();
    });
  };

  async function stream(req: Request, res: Response, path: string) {
    const abort = new AbortController();
    // A closed connection aborts the procedure, which ends its stream (and so the loop below).
    res.once('close', () => abort.abort());
    let ctx: Context | undefined;
    let input: unknown;
    let events: AsyncIterable<unknown>;
    let endedBy = null as StreamEnd | null;
    let unwatch = () => {};
    try {
      input = rawInput(req);
      ctx = await opts.createContext({ req, res, info: undefined as never });
      const result: unknown = await callTRPCProcedure({
        router: appRouter,
        path,
        type: 'subscription',
        ctx,
        getRawInput: () => Promise.resolve(input),
        signal: abort.signal,
        batchIndex: 0,
      });
      if (!isAsyncIterable(result)) {
        throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `${path} is not a stream` });
      }
      events = result;
      if (ctx.principal && opts.guard) {
        unwatch = opts.guard.watch(req, ctx.principal, (why) => {
          endedBy = why;
          abort.abort();
        });
      }
    } catch (cause) {
      events = failing(cause);
    }

    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    let wroteAt = Date.now();
    const write = (chunk: string) => {
      wroteAt = Date.now();
      return res.write(chunk);
    };
    write(CONNECTED);
    const ping =
      PING_MS > 0
        ? setInterval(() => {
            if (Date.now() - wroteAt >= PING_MS) write('event: ping\ndata: \n\n');
          }, PING_MS)
        : null;
    const iterator = events[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await iterator.next();
        // Usually null: a credential check is running or due, and this event may not be theirs.
        const check = opts.guard?.due();
        if (check) await check;
        if (endedBy === 'revoked') write(revokedFrame(path, input, ctx));
        if (endedBy || abort.signal.aborted) return;
        if (next.done) {
          write('event: return\ndata: \n\n');
          return;
        }
        if (!write(frame(next.value))) await drainedOrClosed(res);
      }
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      if (abort.signal.aborted) return;
      opts.onError(error, path, req);
      const shape = getTRPCErrorShape({ config, error, type: 'subscription', path, input, ctx });
      write(`event: serialized-error\ndata: ${JSON.stringify(shape)}\n\n`);
    } finally {
      unwatch();
      if (ping) clearInterval(ping);
      abort.abort();
      void iterator.return?.();
      res.end();
    }
  }
}

/**
 * The last guard before tRPC's adapter: a GET that reaches it naming a subscription was not served
 * by `serveLiveStreams` (so neither counted nor watched for revocation) and is refused, 400, in
 * tRPC's error envelope. The path is read as the adapter reads it (after the last `/`, decoded,
 * each of a batch's procedures), so no spelling of a path gets a stream past the guards above.
 */
export function refuseUnservedSubscriptions(subscriptions: ReadonlySet<string>) {
  return function unservedSubscription(req: Request, res: Response, next: NextFunction) {
    if (req.method !== 'GET') return next();
    let paths: string[];
    try {
      paths = decodeURIComponent(req.path.slice(req.path.lastIndexOf('/') + 1)).split(',');
    } catch {
      return next();
    }
    if (!paths.some((path) => subscriptions.has(path))) return next();
    const message = 'A live stream is served only as one unbatched GET /trpc/<procedure>?input=…';
    res.status(400).json({
      error: { message, code: -32600, data: { code: 'BAD_REQUEST', httpStatus: 400 } },
    });
  };
}

/** Whether tRPC's adapter reads this request as a batch: `batch=1` in the URL as `new URL` parses it. */
function isTrpcBatch(req: Request): boolean {
  try {
    return new URL(req.url, 'http://localhost').searchParams.get('batch') === '1';
  } catch {
    // tRPC's adapter answers an unparsable URL with BAD_REQUEST itself.
    return true;
  }
}

/** The error event that ends a stream whose credential was revoked (what a new request gets: 401). */
function revokedFrame(path: string, input: unknown, ctx: Context | undefined): string {
  const error = new TRPCError({
    code: 'UNAUTHORIZED',
    message: 'The key or session this stream was opened with was revoked, changed or has ended',
  });
  const shape = getTRPCErrorShape({ config, error, type: 'subscription', path, input, ctx });
  return `event: serialized-error\ndata: ${JSON.stringify(shape)}\n\n`;
}

/** Resolves when the socket takes writes again or the connection is gone (no listener left behind). */
function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** `?input=` as JSON, plus the id of the last event the client saw (EventSource resends it). */
function rawInput(req: Request): unknown {
  const text = req.query.input;
  let input: unknown;
  if (typeof text === 'string') {
    try {
      input = JSON.parse(text);
    } catch (cause) {
      throw new TRPCError({ code: 'PARSE_ERROR', message: 'input is not valid JSON', cause });
    }
  } else if (text !== undefined) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'input must be given once' });
  }
  const header = req.headers['last-event-id'];
  const query = req.query.lastEventId ?? req.query['Last-Event-Id'];
  const lastEventId =
    typeof header === 'string' ? header : typeof query === 'string' ? query : null;
  if (!lastEventId) return input;
  if (input !== null && typeof input === 'object' && !Array.isArray(input))
    return { ...input, lastEventId };
  return input ?? { lastEventId };
}

const serialized = new WeakMap<object, string>();

/** One SSE event; the JSON of a shared event object is computed once for all its subscribers. */
function frame(value: unknown): string {
  if (isTrackedEnvelope(value)) return `data: ${json(value[1])}\nid: ${value[0]}\n\n`;
  return `data: ${json(value)}\n\n`;
}

function json(data: unknown): string {
  if (data === null || typeof data !== 'object') return JSON.stringify(data) ?? 'null';
  let text = serialized.get(data);
  if (text === undefined) {
    text = JSON.stringify(data);
    serialized.set(data, text);
  }
  return text;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && Symbol.asyncIterator in value;
}

/** An async iterable that fails at once with `cause` (what tRPC streams for an error before the first event). */
function failing(cause: unknown): AsyncIterable<never> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.reject(cause instanceof Error ? cause : new Error(String(cause))),
    }),
  };
}
