import http from 'node:http';
import https from 'node:https';

/** What tRPC's HTTP links read from a response. */
export interface LeanResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  json(): Promise<unknown>;
}

export interface LeanRequestInit {
  method?: string;
  headers?: RequestInit['headers'];
  body?: unknown;
  signal?: AbortSignal | null;
}

/** A request that ran past the SDK's deadline (the SDK counts it as "server unreachable"). */
export class RequestTimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/**
 * An HTTP answer that did not come from Aegis's tRPC handler: an HTML 413 from nginx's body limit,
 * a WAF's 403, an auth proxy's 401, a gateway's 502, or a 2xx body that is not JSON. Its status
 * decides what it means (see {@link isGatewayStatus}): only a gateway saying it could not reach
 * Aegis counts as "no answer"; anything else was an answer, and a guarded call must not run.
 */
export class HttpAnswerError extends Error {
  override name = 'HttpAnswerError';
  constructor(
    readonly status: number,
    readonly contentType: string,
    body: string,
    options?: ErrorOptions,
  ) {
    super(
      `${status ? `HTTP ${status}` : 'an answer'}${contentType ? ` (${contentType})` : ''} that is not from Aegis came back${snippet(body)}`,
      options,
    );
  }
}

/** 502/503/504: a gateway in front of Aegis saying it got no answer from it. */
export function isGatewayStatus(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}

/** `: "413 Request Entity Too Large"` — an HTML page's title, or the start of the body. */
function snippet(body: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1];
  const text = (title ?? body).replace(/\s+/g, ' ').trim().slice(0, 120);
  return text ? `: "${text}"` : '';
}

/** tRPC's error body (`{error: {code, message}}`), alone or in a batch's array. */
function isTrpcErrorBody(body: unknown): boolean {
  const one = (item: unknown): boolean => {
    if (!item || typeof item !== 'object') return false;
    if ('result' in item) return true; // a batch answers the calls that succeeded too
    const error: unknown = (item as { error?: unknown }).error;
    return (
      !!error &&
      typeof error === 'object' &&
      typeof (error as { code?: unknown }).code === 'number' &&
      typeof (error as { message?: unknown }).message === 'string'
    );
  };
  return Array.isArray(body) ? body.length > 0 && body.every(one) : one(body);
}

/** The JSON of an answer, or an HttpAnswerError when it is not Aegis's (see HttpAnswerError). */
function readAnswer(
  status: number,
  contentType: string,
  text: string,
): { json: unknown } | HttpAnswerError {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (cause) {
    return new HttpAnswerError(status, contentType, text, { cause });
  }
  const ok = status >= 200 && status < 300;
  return ok || isTrpcErrorBody(json) ? { json } : new HttpAnswerError(status, contentType, text);
}

/**
 * A minimal `fetch` for tRPC's HTTP links on node:http(s) with kept-alive connections. Every
 * guarded tool call makes one request, and `fetch` (undici, web streams, an `AbortSignal.timeout`
 * and `AbortSignal.any` per request) cost the caller about twice the CPU of a plain node:http
 * request and ~0.15 ms of latency on loopback (bench/README.md). Sockets are reused across calls
 * and do not keep the process alive while idle. Only what the links use is supported: a string
 * body, header records, an abort signal, and a JSON answer.
 */
export function createNodeFetch(opts: { timeoutMs: number }) {
  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };
  function nodeFetch(
    input: string | URL | { url: string },
    init: LeanRequestInit = {},
  ): Promise<LeanResponse> {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const protocol =
      url.protocol === 'https:' ? 'https:' : url.protocol === 'http:' ? 'http:' : null;
    if (!protocol) return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (init.body != null && body === undefined) {
      return Promise.reject(new TypeError('nodeFetch sends string bodies only'));
    }
    const headers = headerRecord(init.headers);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortReason(signal));

    return new Promise<LeanResponse>((resolve, reject) => {
      const send = protocol === 'https:' ? https.request : http.request;
      const req = send(url, { method: init.method ?? 'GET', headers, agent: agents[protocol] });
      const fail = (error: Error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        req.destroy();
        reject(error);
      };
      const onAbort = () => fail(abortReason(signal));
      const timer = setTimeout(() => fail(new RequestTimeoutError(opts.timeoutMs)), opts.timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('end', () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          const contentType = String(res.headers['content-type'] ?? '');
          // Told apart here, before tRPC reads it: a non-Aegis answer is not "no answer".
          const answer = readAnswer(status, contentType, text);
          if (answer instanceof HttpAnswerError) return reject(answer);
          resolve({
            ok: status >= 200 && status < 300,
            status,
            headers: res.headers,
            json: () => Promise.resolve(answer.json),
          });
        });
      });
      req.end(body);
    });
  }
  /** Closes the kept-alive connections (requests in flight finish first). */
  const close = () => {
    agents['http:'].destroy();
    agents['https:'].destroy();
  };
  return Object.assign(nodeFetch, { close });
}

function headerRecord(headers: LeanRequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers instanceof Headers) headers.forEach((value, name) => (out[name] = value));
  else if (Array.isArray(headers)) {
    for (const [name, value] of headers) if (name !== undefined) out[name] = value ?? '';
  } else if (headers) {
    for (const [name, value] of Object.entries(headers)) {
      out[name] = [value].flat().join(', ');
    }
  }
  return out;
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(typeof reason === 'string' ? reason : 'This operation was aborted');
  error.name = 'AbortError';
  return error;
}
