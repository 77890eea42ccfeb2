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
    const protocol = url.protocol === 'https:' ? 'https:' : url.protocol === 'http:' ? 'http:' : null;
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
          resolve({
            ok: status >= 200 && status < 300,
            status,
            headers: res.headers,
            json: () => Promise.resolve().then(() => JSON.parse(text) as unknown),
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
