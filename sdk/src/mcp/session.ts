import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  McpError,
  ListToolsRequestSchema,
  ResultSchema,
  type CallToolRequest,
  type CallToolResult,
  type ClientCapabilities,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Aegis } from '../client';
import { catalogue, type CatalogTool } from './catalog';
import type { UpstreamSpec } from './config';
import { registerPassthrough } from './passthrough';
import { sampleThroughAegis } from './sampling';
import type { HeldTools, ToolPins } from './pins';
import { refusal, toolError } from './refusals';
import { toAegisError } from '../serverErrors';
import { maskValue, maskedText } from '@aegis/shared';
import { callThroughAegis } from './toolCall';
import { connectUpstream, listAllTools } from './upstream';

/** How long a closing session waits for its aborted calls to finish telling Aegis. */
const CLOSE_GRACE_MS = 5_000;

/** Waits until every promise has settled, or `ms` passed. */
async function settled(promises: Promise<unknown>[], ms: number): Promise<void> {
  if (promises.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([Promise.allSettled(promises), late]);
  clearTimeout(timer);
}

/** Everything one client's session needs: who it acts as, and what it reaches. */
export interface SessionOptions {
  aegis: Aegis;
  agent: string;
  upstreams: Record<string, UpstreamSpec>;
  /** Prefix of each upstream's tool and prompt names as the client sees them. */
  prefixes: Record<string, string>;
  /** The agent's tool allow-list (exposed names). */
  allow: (exposed: string) => boolean;
  pins: ToolPins | null;
  reviewTimeoutMs: number;
  /** How often a call held for review tells the client it still waits. */
  progressIntervalMs: number;
  /** Whether stdio upstreams inherit the gateway's environment (without AEGIS_*). */
  inheritEnv: boolean;
  version: string;
  log: (line: string) => void;
}

export type DownstreamExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * One client's session: an MCP server facing the client, MCP clients facing the upstreams.
 * `tools/call` goes through Aegis's decision path; everything else passes through.
 */
export class GatewaySession {
  readonly server: Server;
  private readonly clients = new Map<string, Promise<Client>>();
  private tools = new Map<string, CatalogTool>();
  /** Tools hidden and refused, with what a call to one is answered (pin changed, or unchecked). */
  private held = new Map<string, CallToolResult>();
  private closing = false;
  /** Tool calls under way: a closing session lets them finish what they do on the way out. */
  private readonly calls = new Set<Promise<unknown>>();

  constructor(readonly options: SessionOptions) {
    // The client's requests decide what we forward, so offer every feature; an upstream without
    // one answers "method not found", as it would directly.
    this.server = new Server(
      { name: 'aegis-gateway', version: options.version },
      {
        capabilities: {
          tools: { listChanged: true },
          resources: { subscribe: true, listChanged: true },
          prompts: { listChanged: true },
          logging: {},
          completions: {},
        },
      },
    );
    this.server.setRequestHandler(ListToolsRequestSchema, async (_req, extra) => ({
      tools: await this.listTools(extra.signal),
    }));
    this.server.setRequestHandler(CallToolRequestSchema, (req, extra) =>
      this.tracked(this.callTool(req, extra)),
    );
    registerPassthrough(this);
  }

  get upstreamNames(): string[] {
    return Object.keys(this.options.upstreams);
  }

  /** The connection to an upstream, (re)connected on demand with the client's capabilities. */
  upstream(name: string): Promise<Client> {
    const spec = this.options.upstreams[name];
    if (!spec) return Promise.reject(new Error(`unknown upstream "${name}"`));
    let pending = this.clients.get(name);
    if (!pending) {
      const caps = this.server.getClientCapabilities() ?? {};
      const mirrored: ClientCapabilities = {
        ...(caps.sampling ? { sampling: caps.sampling } : {}),
        ...(caps.elicitation ? { elicitation: caps.elicitation } : {}),
        ...(caps.roots ? { roots: caps.roots } : {}),
      };
      pending = connectUpstream(
        name,
        spec,
        mirrored,
        {
          // The upstream asking the client (sampling its model, eliciting from its person, its
          // roots) is the agent acting too: not while the kill-switch has it paused, nor when
          // Aegis can't say (attack review 10: a paused agent's upstream still drove its model).
          request: async (request, extra) => {
            // Sampling is decided as an action of the agent (its kill-switch included).
            if (request.method === 'sampling/createMessage')
              return sampleThroughAegis(this, name, request.params, extra.signal);
            await this.assertActive();
            return this.server.request(
              { method: request.method, params: request.params },
              ResultSchema,
              { signal: extra.signal },
            );
          },
          notification: (n) =>
            this.server
              .notification(screenedNotification(n) as ServerNotification)
              .catch(() => undefined),
          closed: (why) => {
            this.clients.delete(name);
            if (!this.closing) this.options.log(`${why}; it is started again on the next request`);
          },
          // An upstream logs what it serves on stderr (stdout is the protocol): its lines go into
          // the gateway's log with what DLP finds masked, as the tool's messages to the client do.
          stderr: (line) => this.options.log(`[${name}] ${maskedText(line)}`),
        },
        { inheritEnv: this.options.inheritEnv, version: this.options.version },
      );
      this.clients.set(name, pending);
      pending.catch(() => this.clients.delete(name));
    }
    return pending;
  }

  /**
   * Throws (an MCP error) while the kill-switch has the agent paused, or when Aegis can't be
   * asked (fail closed): reading data and an upstream's own requests wait on it, as calls do.
   */
  async assertActive(): Promise<void> {
    const { aegis, agent } = this.options;
    let status: string | null;
    try {
      status = (await aegis.api.sdk.agentStatus.query({ name: agent })).status;
    } catch (error) {
      throw new McpError(
        ErrorCode.InternalError,
        `Aegis could not be asked about "${agent}": ${toAegisError(error).message}`,
      );
    }
    if (status === 'PAUSED')
      throw new McpError(ErrorCode.InvalidRequest, `"${agent}" is paused by the Aegis kill-switch`);
  }

  /** Lists every upstream's tools, pins them, and keeps what this agent may see. */
  async listTools(signal?: AbortSignal): Promise<Tool[]> {
    const tools = new Map<string, CatalogTool>();
    const held = new Map<string, CallToolResult>();
    const lists = await Promise.allSettled(
      this.upstreamNames.map(async (name) => {
        const listed = await listAllTools(await this.upstream(name), signal);
        const pins = this.options.pins;
        const none: HeldTools = { changed: [], new: [] };
        if (!pins) return { name, listed, held: none, unchecked: null };
        try {
          return {
            name,
            listed,
            held: await pins.changed(this.options, name, listed),
            unchecked: null,
          };
        } catch (error) {
          // Fail closed: a tool whose pin can't be checked may have changed; hold them all.
          return { name, listed, held: none, unchecked: toAegisError(error) };
        }
      }),
    );
    for (const [i, settled] of lists.entries()) {
      const name = this.upstreamNames[i]!;
      if (settled.status === 'rejected') {
        // With one upstream the client should see the failure; with several, the others still work.
        if (this.upstreamNames.length === 1) throw settled.reason;
        this.options.log(`upstream "${name}" did not list its tools: ${String(settled.reason)}`);
        continue;
      }
      const { listed, held: pinHeld, unchecked } = settled.value;
      const changed = new Set(pinHeld.changed);
      const added = new Set(pinHeld.new);
      if (unchecked)
        this.options.log(`could not check the pins of "${name}": ${unchecked.message}`);
      for (const tool of catalogue(
        name,
        this.options.upstreams[name]!,
        this.options.prefixes[name] ?? '',
        listed,
      )) {
        if (unchecked) {
          held.set(tool.exposed, refusal(unchecked, tool.exposed));
          continue;
        }
        if (tool.sharesActionWith) {
          const others = tool.sharesActionWith.map((n) => JSON.stringify(n)).join(', ');
          this.options.log(
            `tool "${name}.${tool.name}" is refused: its action ${tool.action} is also the action of ${others} (map each to its own action in the config)`,
          );
          held.set(
            tool.exposed,
            toolError(
              `"${tool.exposed}" is refused: its server also has ${others}, which Aegis would decide and record as the same action (${tool.action}), so neither can be told apart. The call was not made. Do not retry it.`,
              { code: 'AMBIGUOUS_TOOL_NAME' },
            ),
          );
          continue;
        }
        if (changed.has(tool.name)) {
          held.set(
            tool.exposed,
            toolError(
              `"${tool.exposed}" changed since it was pinned (its description or schema is different), so Aegis holds it until a person accepts the new version. The call was not made. Do not retry it.`,
              { code: 'PINNED_TOOL_CHANGED' },
            ),
          );
          continue;
        }
        if (added.has(tool.name)) {
          held.set(
            tool.exposed,
            toolError(
              `"${tool.exposed}" is a new tool: its server added it after Aegis pinned the server's tools, so Aegis holds it until a person accepts it. The call was not made. Do not retry it.`,
              { code: 'PINNED_TOOL_NEW' },
            ),
          );
          continue;
        }
        if (!this.options.allow(tool.exposed) || tools.has(tool.exposed)) continue;
        tools.set(tool.exposed, tool);
      }
      for (const tool of changed) {
        this.options.log(
          `tool "${name}.${tool}" changed since it was pinned; hidden until a person accepts it (dashboard, or aegis mcp pins / pins accept)`,
        );
      }
      for (const tool of added) {
        this.options.log(
          `tool "${name}.${tool}" is new since the server's tools were pinned; hidden until a person accepts it (dashboard, or aegis mcp pins / pins accept)`,
        );
      }
    }
    this.tools = tools;
    this.held = held;
    return [...tools.values()].map((t) => t.definition);
  }

  private async callTool(req: CallToolRequest, extra: DownstreamExtra): Promise<CallToolResult> {
    const exposed = req.params.name;
    // A client may call without listing first (it cached an earlier list): list now. A held
    // tool is checked again too: an admin may have accepted it (or Aegis come back) since.
    if (!this.tools.has(exposed)) await this.listTools(extra.signal);
    return callThroughAegis(this, this.tools.get(exposed), this.held.get(exposed), req, extra);
  }

  private tracked<T>(call: Promise<T>): Promise<T> {
    this.calls.add(call);
    const done = () => void this.calls.delete(call);
    call.then(done, done);
    return call;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.server.close().catch(() => undefined);
    // Closing aborted the calls the client left. Each still tells Aegis it stopped (a call held
    // for review expires its approval, so approving it later runs nothing): let that finish
    // before the caller closes Aegis's connections under it ("socket hang up", and no expiry).
    await settled([...this.calls], CLOSE_GRACE_MS);
    const clients = await Promise.allSettled([...this.clients.values()]);
    this.clients.clear();
    await Promise.all(
      clients.map((c) =>
        c.status === 'fulfilled' ? c.value.close().catch(() => undefined) : Promise.resolve(),
      ),
    );
  }
}

/**
 * What an upstream tells the client, with what DLP finds masked where it carries free text: a log
 * message's `data` and a progress `message`. They reach the client (and its model) beside the
 * tool's result, which result rules screen, so a card a tool logs or reports as progress would
 * otherwise pass them by (attack review 10). Other notifications carry names, URIs and numbers.
 */
export function screenedNotification<
  T extends { method: string; params?: Record<string, unknown> },
>(n: T): T {
  const params = n.params;
  if (!params) return n;
  if (n.method === 'notifications/message')
    return {
      ...n,
      params: { ...params, data: maskValue(params.data), ...maskedField(params, 'logger') },
    };
  if (n.method === 'notifications/progress')
    return { ...n, params: { ...params, ...maskedField(params, 'message') } };
  return n;
}

function maskedField(params: Record<string, unknown>, key: string): Record<string, unknown> {
  return typeof params[key] === 'string' ? { [key]: maskValue(params[key]) } : {};
}
