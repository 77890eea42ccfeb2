import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { createAegis, type Aegis } from '../client';
import { AegisError } from '../errors';
import { ensureAgent, startupMessage } from '../mcp/agentSetup';
import { refusalText } from '../mcp/refusals';
import { BodyError, readBodyArgs, TEXT } from './bodies';
import { formFields, oneOrList } from './repeated';
import type { ProxyConfig } from './config';
import { RouteTable, UnsafePathError, type Matched } from './routes';
import { Tunnels } from './tunnels';

/** Options of {@link startHttpProxy}. */
export interface HttpProxyOptions {
  config: ProxyConfig;
  /** Overrides `config.aegis.url`. */
  url?: string;
  apiKey?: string;
  log: (line: string) => void;
}

export interface HttpProxy {
  url: string;
  close(): Promise<void>;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are the proxy's own, never forwarded.
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Request headers never forwarded: Host is the target URL's (a client's `Host: admin.internal`
 * would pick a different virtual host than the one decided), and method overrides would make an
 * upstream run another method (DELETE) than the one decided (POST → payments.transfer).
 */
const NOT_FORWARDED = new Set([
  'host',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
]);

/**
 * `aegis proxy http`: an HTTP forward proxy for agents that call REST tools directly. Each
 * request is mapped to an action (host + METHOD + path template from the config), decided by
 * Aegis exactly like an SDK call — policy, DLP on the query and body (JSON, forms, text) and on
 * the response, review (the request waits for the person), kill-switch, audit — and forwarded only
 * once allowed. Bodies it can't read are refused unless the route opts in. Hosts and endpoints not
 * in the config are refused; so are CONNECT tunnels, except to hosts that opt in (decided once per
 * tunnel, cut by the kill-switch). It fails closed: Aegis unreachable → 503, not forwarded.
 */
export async function startHttpProxy(o: HttpProxyOptions): Promise<HttpProxy> {
  const { config } = o;
  const aegis = createAegis({
    url: o.url ?? config.aegis.url,
    apiKey: o.apiKey,
    mode: config.aegis.mode,
    onError: (error) => o.log(`background: ${startupMessage(error)}`),
  });
  try {
    await ensureAgent(aegis, config.agent, 'HTTP tools through aegis proxy http');
  } catch (error) {
    if (!(error instanceof AegisError && error.code === 'UNAVAILABLE')) {
      await aegis.close();
      throw error;
    }
    o.log(`${startupMessage(error)} — requests are refused until it answers`);
  }
  const routes = new RouteTable(config);
  const tunnels = new Tunnels({
    aegis,
    agent: config.agent,
    maxSeconds: config.maxTunnelSeconds,
    log: o.log,
  });
  const ctx: ProxyContext = { aegis, config, routes, tunnels, log: o.log };
  const server = createServer((req, res) => void handle(ctx, req, res));
  server.on(
    'connect',
    (req: IncomingMessage, socket: Socket, head: Buffer) => void tunnel(ctx, req, socket, head),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${config.listen.host}:${port}`,
    async close() {
      server.closeAllConnections();
      tunnels.cutAll('the proxy is stopping'); // CONNECT sockets are no longer the server's
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await aegis.close();
    },
  };
}

interface ProxyContext {
  aegis: Aegis;
  config: ProxyConfig;
  routes: RouteTable;
  tunnels: Tunnels;
  log: (line: string) => void;
}

async function handle(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let target: URL;
  try {
    target = new URL(req.url ?? '');
  } catch {
    return refuse(
      res,
      400,
      'NOT_A_PROXY_REQUEST',
      'This is an HTTP proxy: send requests with an absolute URL (set HTTP_PROXY to this address)',
    );
  }
  if (target.protocol !== 'http:') {
    return refuse(
      res,
      400,
      'BAD_REQUEST',
      `Only http:// URLs are proxied (got ${target.protocol})`,
    );
  }
  const method = (req.method ?? 'GET').toUpperCase();
  let matched: ReturnType<RouteTable['match']>;
  try {
    matched = ctx.routes.match(target.host, method, target.pathname);
  } catch (error) {
    if (!(error instanceof UnsafePathError)) throw error;
    return refuse(res, 400, 'UNSAFE_PATH', error.message);
  }
  if (matched === 'unknown-host') {
    return refuse(
      res,
      403,
      'UNKNOWN_HOST',
      `${target.host} is not in the proxy's config: the request was not sent`,
    );
  }
  if (!matched) {
    return refuse(
      res,
      403,
      'UNKNOWN_ENDPOINT',
      `${method} ${target.pathname} on ${target.host} is not in the proxy's config: the request was not sent`,
    );
  }
  let body: Buffer;
  try {
    body = await readBody(req, ctx.config.maxBodyBytes);
  } catch (error) {
    return refuse(res, 413, 'BODY_TOO_LARGE', (error as Error).message);
  }
  let args: Record<string, unknown>;
  let opaque: string | undefined;
  try {
    ({ args, opaque } = argumentsOf(matched, target, req.headers, body));
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    return refuse(res, error.status, error.code, error.message);
  }
  // Decided all the same (a BLOCK still answers 403), so the refusal is on the record.
  const unreadable = opaque !== undefined && matched.opaqueBody !== 'allow' ? opaque : undefined;

  // The upstream's answer stays here as bytes; the agent-visible part (the text) is screened.
  let raw: { status: number; headers: IncomingHttpHeaders; bytes: Buffer } | undefined;
  try {
    const screened = await ctx.aegis.call(
      ctx.config.agent,
      matched.endpoint.action,
      args,
      async (runWith) => {
        if (unreadable !== undefined) throw new OpaqueBodyError(unreadable);
        // What Aegis decided (masked by REDACT, or a reviewer's edit) is what is sent.
        const decided = applyDecision(matched, target, req.headers, body, args, runWith);
        raw = await forward(decided.target, method, req.headers, decided.body);
        return { status: raw.status, body: isText(raw.headers) ? raw.bytes.toString('utf8') : '' };
      },
      {
        timeoutMs: ctx.config.reviewTimeoutSeconds * 1000,
        tool: { tags: matched.endpoint.tags },
        channel: 'http-proxy',
      },
    );
    if (!raw) return refuse(res, 502, 'UPSTREAM_ERROR', 'The upstream gave no answer');
    const masked = isText(raw.headers) && screened.body !== raw.bytes.toString('utf8');
    const bytes = masked ? Buffer.from(screened.body, 'utf8') : raw.bytes;
    const headers = forwardable(raw.headers);
    headers['content-length'] = String(bytes.length);
    if (masked) headers['aegis-result'] = 'redacted';
    res.writeHead(raw.status, headers);
    res.end(bytes);
  } catch (error) {
    if (error instanceof OpaqueBodyError) {
      ctx.log(`${method} ${target.host}${target.pathname}: ${error.message}`);
      return refuse(res, 415, 'UNREADABLE_BODY', error.message);
    }
    if (error instanceof CannotApplyError) {
      ctx.log(`${method} ${target.host}${target.pathname}: ${error.message}`);
      return refuse(res, 422, 'CANNOT_APPLY_DECISION', error.message);
    }
    if (error instanceof AegisError) {
      const status = error.code === 'UNAVAILABLE' ? 503 : 403;
      const message = raw
        ? `The request was sent, but Aegis withheld its response: ${error.details.reason ?? error.message}`
        : refusalText(error, `${method} ${target.host}${target.pathname}`);
      return refuse(res, status, error.code, message, error.details.approvalId);
    }
    ctx.log(`${method} ${target.host}${target.pathname}: ${(error as Error).message}`);
    return refuse(
      res,
      502,
      'UPSTREAM_ERROR',
      `The upstream failed: ${(error as Error).message.slice(0, 300)}`,
    );
  }
}

/**
 * The call's arguments as policy and DLP see them: path parts, query, and the body (JSON, form
 * fields, text); `opaque` names what of the body they can't see. Throws BodyError.
 */
function argumentsOf(
  matched: Matched,
  target: URL,
  headers: IncomingHttpHeaders,
  body: Buffer,
): { args: Record<string, unknown>; opaque?: string } {
  const lists = matched.endpoint.lists;
  const query: Record<string, unknown> = {};
  for (const key of new Set(target.searchParams.keys())) {
    query[key] = oneOrList('query parameter', key, target.searchParams.getAll(key), lists);
  }
  const args: Record<string, unknown> = { ...matched.params };
  if (Object.keys(query).length > 0) args.query = query;
  if (body.length === 0) return { args };
  const type = String(headers['content-type'] ?? '');
  const read = readBodyArgs(
    type,
    headers['content-encoding'],
    body,
    matched.opaqueBody === 'allow',
  );
  // A form's repeated names, like the query's (readBodyArgs reads a type naming json as JSON).
  const form = !/json/i.test(type) && FORM.test(type);
  args.body = form ? formFields(read.value, lists) : read.value;
  return { args, opaque: read.opaque };
}

const FORM = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

/** The body is one Aegis can't read and the route didn't opt in: nothing sent (recorded as failed). */
class OpaqueBodyError extends Error {
  override name = 'OpaqueBodyError';
  constructor(what: string) {
    super(
      `Aegis can't read the request body (${what}), so policy and DLP can't decide on it: not sent. Send JSON, a form or text, or set opaqueBody: allow on the route to forward such bodies with DLP scanning their bytes as text`,
    );
  }
}

/** Aegis changed the request in a way the proxy cannot send; nothing is sent (recorded as failed). */
class CannotApplyError extends Error {
  override name = 'CannotApplyError';
}

/**
 * The request to send: the original one when Aegis ran it as asked, else rebuilt from `runWith`
 * (path parts, query, JSON body). A change that cannot be expressed in the request (a masked
 * non-JSON body, a key that is no part of it) refuses the request rather than send the original.
 */
function applyDecision(
  matched: Matched,
  target: URL,
  headers: IncomingHttpHeaders,
  body: Buffer,
  args: Record<string, unknown>,
  runWith: Record<string, unknown>,
): { target: URL; body: Buffer } {
  if (isDeepStrictEqual(args, runWith)) return { target, body };
  const next = new URL(target.href);
  let nextBody = body;
  const params = { ...matched.params };
  for (const key of new Set([...Object.keys(args), ...Object.keys(runWith)])) {
    const value = runWith[key];
    if (isDeepStrictEqual(args[key], value)) continue;
    if (key === 'query') next.search = queryString(value);
    else if (key === 'body') nextBody = jsonBody(headers, value);
    else if (key in params && isScalar(value)) params[key] = String(value);
    else throw new CannotApplyError(`Aegis changed "${key}", which the request cannot carry`);
  }
  next.pathname = matched.pathWith(params);
  return { target: next, body: nextBody };
}

function queryString(query: unknown): string {
  if (query === undefined) return '';
  if (!query || typeof query !== 'object' || Array.isArray(query))
    throw new CannotApplyError('Aegis changed the query to something that is not name=value pairs');
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const one of Array.isArray(value) ? (value as unknown[]) : [value]) {
      if (!isScalar(one))
        throw new CannotApplyError(`Aegis changed query "${name}" to a non-text value`);
      search.append(name, String(one));
    }
  }
  return search.toString();
}

function jsonBody(headers: IncomingHttpHeaders, body: unknown): Buffer {
  const type = String(headers['content-type'] ?? '');
  if (!/json/i.test(type)) {
    throw new CannotApplyError(
      `Aegis changed the request body (masked or edited), but it is ${type || 'of unknown type'}, not JSON: the proxy cannot send the change, so nothing was sent`,
    );
  }
  if (body === undefined) throw new CannotApplyError('Aegis removed the request body');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function forward(
  target: URL,
  method: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<{ status: number; headers: IncomingHttpHeaders; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      target,
      { method, headers: { ...requestHeaders(headers), 'content-length': String(body.length) } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () =>
          resolve({
            status: answer.statusCode ?? 502,
            headers: answer.headers,
            bytes: Buffer.concat(chunks),
          }),
        );
        answer.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP.has(name) && name !== 'content-length') out[name] = value;
  }
  return out;
}

/** The client's headers as sent upstream: Host comes from the target URL (node sets it). */
function requestHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out = forwardable(headers);
  for (const name of NOT_FORWARDED) delete out[name];
  return out;
}

function isText(headers: IncomingHttpHeaders): boolean {
  return TEXT.test(String(headers['content-type'] ?? ''));
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.pause();
        reject(new Error(`The request body is over ${limit} bytes: not sent`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function refuse(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  approvalId?: number | null,
): void {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify({ error: code, message, ...(approvalId ? { approvalId } : {}) });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'aegis-refused': code,
    connection: 'close',
  });
  res.end(body);
}

/** CONNECT: refused unless the host opts in; then decided once, as its connect action. */
async function tunnel(
  ctx: ProxyContext,
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
): Promise<void> {
  const authority = req.url ?? '';
  const action = ctx.routes.connectAction(authority);
  const reject = (status: string, message: string) => {
    socket.end(
      `HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${message}\n`,
    );
  };
  socket.on('error', () => undefined);
  if (!action)
    return reject('403 Forbidden', `Tunnels to ${authority} are not in the proxy's config`);
  const [host, port] = authority.split(':');
  let established = false;
  try {
    // The call lasts as long as the tunnel, so its outcome says how the tunnel ended (cut or not).
    await ctx.aegis.call(
      ctx.config.agent,
      action,
      { host, port: Number(port) },
      async () => {
        const upstream = await openUpstream(Number(port), host ?? '');
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        established = true;
        await ctx.tunnels.carry(socket, upstream);
      },
      { channel: 'http-proxy' },
    );
  } catch (error) {
    if (established) return ctx.log(`CONNECT ${authority}: ${(error as Error).message}`);
    const message =
      error instanceof AegisError
        ? refusalText(error, `CONNECT ${authority}`)
        : (error as Error).message;
    reject(
      error instanceof AegisError && error.code === 'UNAVAILABLE'
        ? '503 Service Unavailable'
        : '403 Forbidden',
      message,
    );
  }
}

function openUpstream(port: number, host: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const upstream = connect(port, host, () => {
      upstream.off('error', reject);
      resolve(upstream);
    });
    upstream.once('error', reject);
  });
}
