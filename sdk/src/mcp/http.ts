import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { maskedText } from '@aegis/shared';
import type { Aegis } from '../client';
import { toolFilter } from './catalog';
import type { GatewayConfig } from './config';
import { startupMessage } from './agentSetup';
import { KeyClients } from './identity';
import type { ToolPins } from './pins';
import { GatewaySession } from './session';

/** Options of {@link startHttpGateway}. */
export interface HttpGatewayOptions {
  config: GatewayConfig;
  /** Aegis server URL. @defaultValue config `aegis.url`, else `AEGIS_URL`, else http://127.0.0.1:8000 */
  url?: string;
  /** Where tools are pinned: {@link serverPins} (Aegis's database), a {@link PinStore} file, or null. */
  pins: ToolPins | null;
  /** @defaultValue 5_000 */
  progressIntervalMs?: number;
  version: string;
  log: (line: string) => void;
}

export interface HttpGateway {
  /** The MCP endpoint, e.g. http://127.0.0.1:8700/mcp. */
  url: string;
  close(): Promise<void>;
}

interface Entry {
  transport: StreamableHTTPServerTransport;
  session: GatewaySession;
  keyHash: string;
  /** When the session last got a request or its last open response ended. */
  lastActive: number;
  /** Responses of this session still open (a call in flight, a review's progress, an SSE stream). */
  open: number;
}

/** Counts an open response of a session until it ends, and marks the session active. */
function track(entry: Entry, res: ServerResponse): void {
  entry.open++;
  entry.lastActive = Date.now();
  res.once('close', () => {
    entry.open--;
    entry.lastActive = Date.now();
  });
}

/** A JSON-RPC error answer for requests refused before MCP sees them. */
function refuse(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message }, id: null }));
}

const hash = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * `aegis mcp serve`: one Streamable HTTP endpoint in front of several upstreams. Every request
 * carries an agent key (`Authorization: Bearer …`); the key decides the agent — a session stays
 * bound to the key that opened it, and the Aegis server checks every decision against the key.
 * Each session gets its own upstream connections, so sampling, notifications and cancellation
 * reach the right client.
 */
export async function startHttpGateway(o: HttpGatewayOptions): Promise<HttpGateway> {
  const { config } = o;
  const sessions = new Map<string, Entry>();
  /** Initializes in flight per key hash: counted against the limit before their session exists. */
  const opening = new Map<string, number>();
  const keys = new KeyClients(o.url ?? config.aegis.url, config.aegis.mode, o.log);
  const several = Object.keys(config.upstreams).length > 1;
  const prefixes = Object.fromEntries(
    Object.entries(config.upstreams).map(([name, spec]) => [
      name,
      spec.prefix ?? (several ? `${name}__` : ''),
    ]),
  );

  async function open(req: IncomingMessage, res: ServerResponse, key: string): Promise<void> {
    const who = await keys.open(key, req.headers['aegis-agent']).catch((error: unknown) => ({
      ok: false as const,
      status: 503,
      message: `Aegis could not set up the agent: ${startupMessage(error)}`,
    }));
    if (!who.ok) return refuse(res, who.status, who.message);
    // Each session starts its own stdio upstreams: one key can't pile them up without bound
    // (attack review 10: 40 initializes under one agent key started 40 upstream processes, and
    // nothing ever closed a session its client forgot).
    // Initializes still in flight count too: their session exists only once the transport has
    // answered, so many sent together would otherwise all pass the check before any is counted.
    const keyHash = hash(key);
    const held =
      [...sessions.values()].filter((e) => e.keyHash === keyHash).length +
      (opening.get(keyHash) ?? 0);
    if (held >= config.maxSessionsPerKey) {
      return refuse(
        res,
        429,
        `This key already has ${held} MCP sessions open (maxSessionsPerKey is ${config.maxSessionsPerKey}): end one (HTTP DELETE with its Mcp-Session-Id) or wait for an idle one to close after ${config.sessionIdleSeconds} s`,
        { 'retry-after': String(Math.min(config.sessionIdleSeconds, 60)) },
      );
    }
    opening.set(keyHash, (opening.get(keyHash) ?? 0) + 1);
    let pending = true;
    // Once: when the session is kept (same tick as it joins `sessions`), or when it never is.
    const settle = () => {
      if (!pending) return;
      pending = false;
      const left = (opening.get(keyHash) ?? 1) - 1;
      if (left > 0) opening.set(keyHash, left);
      else opening.delete(keyHash);
    };
    try {
      await startSession(req, res, who, keyHash, settle);
    } finally {
      settle();
    }
  }

  async function startSession(
    req: IncomingMessage,
    res: ServerResponse,
    who: { aegis: Aegis; agent: string },
    keyHash: string,
    settle: () => void,
  ): Promise<void> {
    const session = new GatewaySession({
      aegis: who.aegis,
      agent: who.agent,
      upstreams: config.upstreams,
      prefixes,
      allow: toolFilter(config.agents[who.agent]?.tools),
      pins: o.pins,
      reviewTimeoutMs: config.reviewTimeoutSeconds * 1000,
      progressIntervalMs: o.progressIntervalMs ?? 5_000,
      inheritEnv: false,
      version: o.version,
      log: o.log,
    });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        const entry: Entry = { transport, session, keyHash, lastActive: Date.now(), open: 0 };
        sessions.set(id, entry);
        settle();
        track(entry, res);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      void session.close();
    };
    await session.server.connect(transport);
    await transport.handleRequest(req, res);
    // Not an initialize request (the transport answered 400): nothing to keep.
    if (!transport.sessionId) await session.close();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (path !== config.listen.path)
      return refuse(res, 404, `Not found: the MCP endpoint is ${config.listen.path}`);
    const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!auth?.[1]) {
      return refuse(res, 401, 'An Aegis agent key is required: Authorization: Bearer <key>', {
        'www-authenticate': 'Bearer realm="aegis"',
      });
    }
    const key = auth[1];
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const entry = sessions.get(sid);
      if (!entry) return refuse(res, 404, 'Session not found: initialize a new one');
      // A session is its key's: another key can't ride on it, whatever agent it would claim.
      if (entry.keyHash !== hash(key))
        return refuse(res, 403, 'This session belongs to another key');
      track(entry, res);
      return entry.transport.handleRequest(req, res);
    }
    if (req.method !== 'POST')
      return refuse(res, 400, 'Start a session with an initialize request (POST)');
    return open(req, res, key);
  }

  // Sessions nobody used for sessionIdleSeconds (no request, no open response) are closed, their
  // upstreams with them; a client that comes back gets 404 and initializes a new one.
  const idleMs = config.sessionIdleSeconds * 1000;
  const sweeper = setInterval(
    () => {
      const now = Date.now();
      for (const [id, entry] of sessions) {
        if (entry.open > 0 || now - entry.lastActive < idleMs) continue;
        sessions.delete(id);
        o.log(`closed MCP session ${id.slice(0, 8)}…: idle for ${config.sessionIdleSeconds} s`);
        void entry.transport.close().catch(() => undefined);
      }
    },
    Math.min(idleMs, 60_000),
  );
  sweeper.unref();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      o.log(
        `request failed: ${maskedText(error instanceof Error ? error.message : String(error))}`,
      );
      if (!res.headersSent) refuse(res, 500, 'The gateway failed on this request');
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  return {
    url: `http://${host}:${port}${config.listen.path}`,
    async close() {
      clearInterval(sweeper);
      await Promise.all(
        [...sessions.values()].map((e) => e.transport.close().catch(() => undefined)),
      );
      sessions.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await keys.close();
    },
  };
}
