/**
 * The demo bank's 17 tools as an MCP server over stdio — what a third-party MCP server is to an
 * IDE. The demo never runs it directly: `aegis mcp` launches it as its upstream (see
 * `gatewayTools.ts`), so every call it receives has already been decided by Aegis. It knows
 * nothing of Aegis. Setup comes from the environment: DEMO_BANK_URI (required) and
 * DEMO_EXTERNAL_PORT (the port `connect_external` dials, as `BankToolOptions.externalPort`).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { connectBank } from '../runner/bankConnection.js';
import { createBankTools } from '../tools/index.js';

const uri = process.env.DEMO_BANK_URI;
if (!uri) {
  process.stderr.write('bank MCP server: DEMO_BANK_URI is not set\n');
  process.exit(2);
}
const port = Number(process.env.DEMO_EXTERNAL_PORT ?? '');
const bank = await connectBank({ uri, hint: 'The demo passed it in DEMO_BANK_URI.' });
const tools = createBankTools(
  bank.bank,
  Number.isInteger(port) && port > 0 ? { externalPort: port } : {},
);
const byName = new Map(tools.map((t) => [t.name, t]));

const listed: Tool[] = tools.map((t) => ({
  name: t.name,
  description: t.description,
  inputSchema: z.toJSONSchema(t.schema as z.ZodType) as Tool['inputSchema'],
}));

const failed = (text: string): CallToolResult => ({
  content: [{ type: 'text', text }],
  isError: true,
});

const server = new Server({ name: 'demo-bank', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listed }));
server.setRequestHandler(CallToolRequestSchema, async ({ params }) => {
  const found = byName.get(params.name);
  if (!found) return failed(`No tool "${params.name}" in the demo bank.`);
  try {
    // The LangChain tool checks the arguments against its zod schema before running.
    const output: unknown = await found.invoke(params.arguments ?? {});
    return {
      content: [
        { type: 'text', text: typeof output === 'string' ? output : JSON.stringify(output) },
      ],
    };
  } catch (error) {
    // The tool's own failure (an unknown customer, bad arguments): the model reads it and goes on.
    return failed(error instanceof Error ? error.message : String(error));
  }
});
// The gateway ends its upstream by closing stdin: the bank's connection would keep it alive.
const stop = () => void bank.close().finally(() => process.exit(0));
server.onclose = stop;
process.stdin.once('end', stop);
await server.connect(new StdioServerTransport());
