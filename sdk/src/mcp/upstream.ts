import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ClientCapabilities, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamSpec } from './config';
import { commandAs, resolveRunAs } from './runAs';

/** What an upstream asks of the client (sampling, elicitation, roots) and tells it (notifications). */
export interface UpstreamHandlers {
  request: NonNullable<Client['fallbackRequestHandler']>;
  notification: NonNullable<Client['fallbackNotificationHandler']>;
  /** The upstream went away (process exited, connection lost). */
  closed: (why: string) => void;
  /** Lines the upstream process wrote on stderr. */
  stderr: (line: string) => void;
}

/** Most pages of a list the gateway reads from one upstream (a hostile upstream can't loop it). */
const MAX_PAGES = 50;

/**
 * The upstream's environment: the gateway's own, minus Aegis's credentials — the upstream is
 * third-party code and must not be able to act as the agent, let alone approve its own calls.
 */
export function upstreamEnv(
  extra: Record<string, string>,
  inherit: boolean,
): Record<string, string> {
  const base: Record<string, string> = inherit
    ? Object.fromEntries(
        Object.entries(process.env).filter(
          (e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('AEGIS_'),
        ),
      )
    : getDefaultEnvironment();
  return { ...base, ...extra };
}

function transportFor(
  name: string,
  spec: UpstreamSpec,
  inheritEnv: boolean,
  handlers: UpstreamHandlers,
): Transport {
  if ('url' in spec) {
    return new StreamableHTTPClientTransport(new URL(spec.url), {
      requestInit: { headers: spec.headers },
    });
  }
  // Another OS user is what really keeps an upstream from the gateway's key (see the README).
  const runAs = resolveRunAs(name, spec);
  const launch = runAs
    ? commandAs(runAs, spec.command, spec.args)
    : { command: spec.command, args: spec.args };
  const transport = new StdioClientTransport({
    ...launch,
    env: upstreamEnv(spec.env, inheritEnv),
    cwd: spec.cwd,
    stderr: 'pipe',
  });
  let buffered = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) handlers.stderr(line);
  });
  return transport;
}

/**
 * Connects to one upstream as an MCP client that mirrors the downstream client's capabilities,
 * so the upstream asks for sampling, elicitation or roots only when the real client offers them.
 */
export async function connectUpstream(
  name: string,
  spec: UpstreamSpec,
  capabilities: ClientCapabilities,
  handlers: UpstreamHandlers,
  opts: { inheritEnv: boolean; version: string },
): Promise<Client> {
  const client = new Client(
    { name: `aegis-gateway(${name})`, version: opts.version },
    { capabilities },
  );
  client.fallbackRequestHandler = handlers.request;
  client.fallbackNotificationHandler = handlers.notification;
  const transport = transportFor(name, spec, opts.inheritEnv, handlers);
  client.onclose = () => handlers.closed(`upstream "${name}" closed the connection`);
  await client.connect(transport);
  return client;
}

/** Every tool of an upstream, following its pages (bounded). */
export async function listAllTools(client: Client, signal?: AbortSignal): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await client.listTools(cursor ? { cursor } : undefined, { signal });
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return tools;
}
