import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { BenchServer } from '../harness';
import { summarize } from '../stats';
import { fmtMs, type BenchConfig, type Row, type ScenarioResult } from '../types';

const AGENT = 'bench-mcp';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = path.join(root, 'sdk/test/mcp/fixtures/upstream.mjs');
const aegisBin = path.join(root, 'sdk/bin/aegis.mjs');

async function connect(server: BenchServer, args: string[], key: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      AEGIS_URL: server.url,
      AEGIS_API_KEY: key,
    },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  await client.listTools();
  return client;
}

/**
 * 10. The MCP gateway's overhead per `tools/call` (issue 20): a real MCP client calls a real
 * upstream's `echo` over stdio directly, and through `aegis mcp` (the compiled CLI, one extra
 * process and pipe, plus the decision): strict mode (one `sdk.decide` round trip, the outcome
 * reported in the background) and local mode (decided in-process, records shipped in batches).
 * Alternating rounds in one run, so the machine's load hits all three alike.
 */
export async function mcpGatewayScenario(
  server: BenchServer,
  config: BenchConfig,
): Promise<ScenarioResult> {
  await promisify(execFile)(
    process.execPath,
    ['scripts/packages/build.mjs', 'sdk', '--js-only', '--quiet'],
    { cwd: root },
  );
  const sdk = await server.sdk([AGENT]);
  await sdk.agent(AGENT, { allows: ['fixture.echo'] }).register();
  const key = await server.agentKey([AGENT]);
  const gateway = (local: boolean) => [
    aegisBin,
    'mcp',
    '--agent',
    AGENT,
    '--server',
    'fixture',
    '--no-pins',
    ...(local ? ['--local'] : []),
    '--',
    process.execPath,
    fixture,
  ];
  const clients = {
    direct: await connect(server, [fixture], key),
    strict: await connect(server, gateway(false), key),
    local: await connect(server, gateway(true), key),
  };
  type Kind = keyof typeof clients;
  const samples: Record<Kind | 'sdk', number[]> = { direct: [], strict: [], local: [], sdk: [] };
  const { warmup, n } = config.quick ? { warmup: 50, n: 300 } : { warmup: 300, n: 3_000 };
  const rounds = 6;
  const perRound = Math.max(20, Math.floor(n / rounds));
  try {
    for (const kind of Object.keys(clients) as Kind[]) {
      for (let i = 0; i < warmup; i++)
        await clients[kind].callTool({ name: 'echo', arguments: { text: 'w' } });
    }
    for (let r = 0; r < rounds; r++) {
      for (const kind of Object.keys(clients) as Kind[]) {
        for (let i = 0; i < perRound; i++) {
          const t0 = performance.now();
          const result = await clients[kind].callTool({
            name: 'echo',
            arguments: { text: `r${r}-${i}` },
          });
          samples[kind].push(performance.now() - t0);
          if (result.isError) throw new Error(`${kind}: ${JSON.stringify(result.content)}`);
        }
      }
      // The same decision from the SDK in this process, for reference: what the gateway adds beyond it is the hop.
      for (let i = 0; i < perRound; i++) {
        const t0 = performance.now();
        await sdk.call(AGENT, 'fixture.echo', { text: `r${r}-${i}` }, () => 'ok');
        samples.sdk.push(performance.now() - t0);
      }
    }
  } finally {
    await Promise.all(Object.values(clients).map((c) => c.close()));
  }
  const direct = summarize(samples.direct);
  const strict = summarize(samples.strict);
  const local = summarize(samples.local);
  const rows: Row[] = [
    {
      scenario: '10 mcp gateway',
      label: 'same decision via the SDK in process (strict)',
      latency: summarize(samples.sdk),
    },
    { scenario: '10 mcp gateway', label: 'tools/call, upstream directly (stdio)', latency: direct },
    {
      scenario: '10 mcp gateway',
      label: 'tools/call through aegis mcp, strict',
      latency: strict,
      notes: { overheadP50: fmtMs(strict.p50 - direct.p50) },
    },
    {
      scenario: '10 mcp gateway',
      label: 'tools/call through aegis mcp, local mode',
      latency: local,
      notes: { overheadP50: fmtMs(local.p50 - direct.p50) },
    },
  ];
  return { rows, goals: [] };
}
