import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamicStructuredTool, type StructuredToolInterface } from '@langchain/core/tools';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { TOOL_NAMES, type ToolName } from '../tools/index.js';
import { TOOL_TAGS } from '../tools/tags.js';

const BANK_SERVER = fileURLToPath(new URL('./bankMcpServer.ts', import.meta.url));
// `aegis` from the SDK's source (tsx, like the demo itself): no build needed in the repository.
const AEGIS_CLI = join(
  dirname(createRequire(import.meta.url).resolve('@aegis/sdk/package.json')),
  'src/cli/main.ts',
);
/** The upstream's name for Aegis; the config maps its tools back to the demo's action names. */
const UPSTREAM = 'bank';

export interface GatewayOptions {
  agent: string;
  url: string;
  /** An agent key for `agent` only: it fixes the identity the gateway decides for. */
  agentKey: string;
  bankUri: string;
  externalPort?: number;
  reviewTimeoutMs?: number;
  /** The gateway's own lines (stderr): startup, pinning, upstream trouble. */
  log: (line: string) => void;
}

/** A connected MCP client on `aegis mcp`, which runs the bank's MCP server as its upstream. */
export interface GatewayConnection {
  client: Client;
  close(): Promise<void>;
}

/**
 * The gateway's config: each bank tool decided under its own name (not `bank.<tool>`), with the
 * tags its SDK declaration has — so the agent's policy, rules and manifest apply unchanged.
 */
function gatewayConfig(command: string[]): unknown {
  const tools = Object.fromEntries(
    TOOL_NAMES.map((name) => [name, { action: name, tags: TOOL_TAGS[name].tags }]),
  );
  const [cmd, ...args] = command;
  return { upstreams: { [UPSTREAM]: { command: cmd, args, tools } } };
}

/**
 * Starts `aegis mcp --agent NAME --config … -- node bankMcpServer.ts` over stdio and connects the
 * SDK's MCP client to it — exactly the line an IDE's MCP config would hold.
 */
export async function connectThroughGateway(o: GatewayOptions): Promise<GatewayConnection> {
  const dir = await mkdtemp(join(tmpdir(), 'aegis-demo-gateway-'));
  const upstream = [process.execPath, '--import', 'tsx', BANK_SERVER];
  const config = join(dir, 'gateway.yaml');
  await writeFile(config, JSON.stringify(gatewayConfig(upstream), null, 2)); // JSON is YAML
  const reviewSeconds = Math.max(1, Math.ceil((o.reviewTimeoutMs ?? 300_000) / 1000));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      ...['--import', 'tsx', AEGIS_CLI, 'mcp', '--agent', o.agent, '--server', UPSTREAM],
      ...['--config', config, '--review-timeout', String(reviewSeconds), '--', ...upstream],
    ],
    // Only what the gateway and the bank server need: no model key reaches the tool server.
    env: {
      ...getDefaultEnvironment(),
      AEGIS_URL: o.url,
      AEGIS_API_KEY: o.agentKey,
      DEMO_BANK_URI: o.bankUri,
      ...(o.externalPort ? { DEMO_EXTERNAL_PORT: String(o.externalPort) } : {}),
    },
    cwd: process.cwd(), // where tsx resolves, as for the demo itself
    stderr: 'pipe',
  });
  const lines: string[] = [];
  transport.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lines.push(line);
      o.log(line);
    }
  });
  const client = new Client({ name: 'aegis-demo', version: '1.0.0' });
  const close = async () => {
    await client.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await client.connect(transport);
  } catch (error) {
    await close();
    throw new Error(`aegis mcp did not start: ${String(error)}\n${lines.slice(-20).join('\n')}`);
  }
  return { client, close };
}

/** What a call through the gateway came to, as the demo's desk counts it. */
export interface GatewayCallOutcome {
  tool: ToolName;
  result: CallToolResult;
  /** Aegis's refusal code (`_meta.aegis.code`), absent when the tool ran. */
  code: string | undefined;
  approvalId: number | null;
}

/**
 * The bank tools the gateway lists, as LangChain tools calling it over MCP. The model gets the
 * demo's own zod schemas (written for Gemini's subset of JSON Schema) for the names the gateway
 * offers; a tool the gateway hides (an allow-list, a changed pin) is not offered at all.
 */
export async function gatewayTools(
  client: Client,
  local: readonly StructuredToolInterface[],
  onOutcome: (outcome: GatewayCallOutcome) => Promise<void> | void,
): Promise<StructuredToolInterface[]> {
  const offered = new Set((await client.listTools()).tools.map((t) => t.name));
  return local
    .filter((t) => offered.has(t.name))
    .map(
      (original) =>
        new DynamicStructuredTool({
          name: original.name,
          description: original.description,
          schema: original.schema,
          func: async (args: unknown) => {
            const result = (await client.callTool(
              { name: original.name, arguments: args as Record<string, unknown> },
              CallToolResultSchema,
              // a call held for review keeps the request alive with progress notifications
              { resetTimeoutOnProgress: true, onprogress: () => undefined },
            )) as CallToolResult;
            const meta = (result._meta?.aegis ?? {}) as { code?: unknown; approvalId?: unknown };
            await onOutcome({
              tool: original.name as ToolName,
              result,
              code: typeof meta.code === 'string' ? meta.code : undefined,
              approvalId: typeof meta.approvalId === 'number' ? meta.approvalId : null,
            });
            return textOf(result);
          },
        }) as StructuredToolInterface,
    );
}

function textOf(result: CallToolResult): string {
  return result.content.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('\n');
}
