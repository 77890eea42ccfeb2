import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { loadGatewayConfig, upstreamSpec, type UpstreamSpec } from './config';
import { startHttpGateway } from './http';
import { createAegis } from '../client';
import { printPins, serverPinsCommand } from './pinsCli';
import { PinStore, serverPinsWith, type ToolPins } from './pins';
import { resolveRunAs } from './runAs';
import { runStdioGateway } from './stdio';

export const MCP_HELP = `aegis mcp — Aegis in front of MCP servers

Usage:
  aegis mcp --agent NAME [options] -- <command> [args…]
      launch the MCP server <command> and speak MCP on stdin/stdout: put this in a client's
      MCP config in place of the command. Every tools/call is decided by Aegis for NAME.
  aegis mcp serve --config gateway.yaml
      Streamable HTTP gateway to several upstreams; clients authenticate with an agent key
      (Authorization: Bearer …), which fixes the agent.
  aegis mcp pins [UPSTREAM]              tools changed (or added) since they were pinned, with the diff
  aegis mcp pins accept UPSTREAM [TOOL]  accept the held version (all of UPSTREAM's without TOOL);
                                         needs an admin key (the dashboard's Approvals page does the same)

Options (stdio):
  --agent NAME            the agent the calls are decided for (required)
  --server NAME           the upstream's name, first part of each action (server.tool);
                          default: from the command
  --config FILE           gateway.yaml: tool mappings and tags of upstream --server
  --allow-tools a,b*      the only tools the agent sees and may call (globs)
  --review-timeout SECS   how long a call held for review waits (default 300)
  --local                 decide in-process from a pushed policy snapshot (local mode)
  --pins FILE             pin tools in this local file instead of Aegis's database (the default,
                          shared by every gateway)
  --hold-first-list       hold even the tools of an upstream's first list until an admin accepts
                          them (default: that list is pinned as it is; tools added later are
                          always held)
  --no-pins               don't pin tools
  --url URL, --key KEY    Aegis server and agent key (default: $AEGIS_URL, $AEGIS_API_KEY)`;

const RUNNERS = new Set([
  'npx',
  'node',
  'uvx',
  'uv',
  'python',
  'python3',
  'bunx',
  'deno',
  'docker',
  'pnpm',
  'yarn',
]);

/** A name for an upstream from its command: `npx -y @modelcontextprotocol/server-filesystem` → `filesystem`. */
export function serverNameFrom(command: string, args: string[]): string {
  const target = RUNNERS.has(basename(command))
    ? (args.find((a) => !a.startsWith('-')) ?? command)
    : command;
  const name = basename(target.replace(/@[^/@]*$/, ''))
    .replace(/\.(m?js|ts|py)$/, '')
    .replace(/^(mcp-server-|server-)/, '')
    .replace(/[^A-Za-z0-9_-]/g, '_');
  return name || 'mcp';
}

/** `user`/`group` that can't be had (not root, unknown name) stop the gateway at start, not at first use. */
function checkRunAs(upstreams: Record<string, UpstreamSpec>): void {
  for (const [name, spec] of Object.entries(upstreams))
    if ('command' in spec) resolveRunAs(name, spec);
}

const log = (line: string) => process.stderr.write(`[aegis mcp] ${line}\n`);

/**
 * Runs `aegis mcp …` (argv after `mcp`); returns the exit code. A stdio upstream runs as our OS
 * user unless its config names another (`user:`), and can then read whatever we can, the agent
 * key included (our environment, our command line, the key file): `user:` is the boundary.
 */
export async function runMcpCli(argv: string[], version: string): Promise<number> {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const command = dash === -1 ? [] : argv.slice(dash + 1);
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      agent: { type: 'string' },
      server: { type: 'string' },
      config: { type: 'string' },
      'allow-tools': { type: 'string' },
      'review-timeout': { type: 'string' },
      local: { type: 'boolean', default: false },
      pins: { type: 'string' },
      'no-pins': { type: 'boolean', default: false },
      'hold-first-list': { type: 'boolean', default: false },
      url: { type: 'string' },
      key: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] === 'help') {
    process.stdout.write(`${MCP_HELP}\n`);
    return 0;
  }
  // Pins live in Aegis's database unless a file is named: then only this gateway holds them.
  const pinsIn = (file: string | undefined, holdFirstList = false): ToolPins | null => {
    if (values['no-pins']) return null;
    const options = { holdFirstList: holdFirstList || values['hold-first-list'] };
    return file ? new PinStore(file, options) : serverPinsWith(options);
  };

  if (positionals[0] === 'serve') {
    if (!values.config) throw new Error('aegis mcp serve needs --config gateway.yaml');
    const config = await loadGatewayConfig(values.config);
    checkRunAs(config.upstreams);
    const gateway = await startHttpGateway({
      config,
      url: values.url,
      pins: pinsIn(config.pinsFile ?? values.pins, config.holdFirstList),
      version,
      log,
    });
    log(`listening on ${gateway.url} (${Object.keys(config.upstreams).join(', ')})`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await gateway.close();
    return 0;
  }
  if (positionals[0] === 'pins') {
    if (values['no-pins']) throw new Error('--no-pins with pins: nothing to show');
    if (values.pins) return printPins(new PinStore(values.pins), positionals.slice(1));
    const aegis = createAegis({ url: values.url, apiKey: values.key });
    try {
      return await serverPinsCommand(aegis, positionals.slice(1));
    } finally {
      await aegis.close();
    }
  }
  if (positionals.length > 0)
    throw new Error(`unknown mcp command "${positionals[0]}"; see \`aegis mcp --help\``);

  const [cmd, ...args] = command;
  if (!cmd)
    throw new Error(
      'give the MCP server to launch after --, e.g. aegis mcp --agent bot -- npx -y @modelcontextprotocol/server-everything',
    );
  if (!values.agent)
    throw new Error('--agent NAME is required: the agent whose policy decides the calls');
  const server = values.server ?? serverNameFrom(cmd, args);
  const fromConfig = values.config
    ? (await loadGatewayConfig(values.config)).upstreams[server]
    : undefined;
  const upstream: UpstreamSpec = upstreamSpec.parse({
    command: cmd,
    args,
    ...(fromConfig
      ? { tools: fromConfig.tools, ignoreAnnotations: fromConfig.ignoreAnnotations }
      : {}),
    ...(fromConfig && 'command' in fromConfig
      ? { user: fromConfig.user, group: fromConfig.group }
      : {}),
  });
  checkRunAs({ [server]: upstream });
  const reviewSeconds = Number(values['review-timeout'] ?? 300);
  if (!Number.isFinite(reviewSeconds) || reviewSeconds <= 0)
    throw new Error('--review-timeout takes seconds, e.g. 300');
  await runStdioGateway({
    agent: values.agent,
    server,
    upstream,
    aegis: {
      url: values.url,
      apiKey: values.key,
      mode: values.local ? 'local' : 'strict',
    },
    allowTools: values['allow-tools']
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    pins: pinsIn(values.pins),
    reviewTimeoutMs: reviewSeconds * 1000,
    progressIntervalMs: Number(process.env.AEGIS_MCP_PROGRESS_MS ?? 5_000),
    version,
    log,
  });
  return 0;
}
