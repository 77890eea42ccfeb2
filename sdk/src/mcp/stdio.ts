import { createAegis, type AegisOptions } from '../client';
import { AegisError } from '../errors';
import { ensureAgent, startupMessage } from './agentSetup';
import { toolFilter } from './catalog';
import type { UpstreamSpec } from './config';
import type { ToolPins } from './pins';
import { GatewaySession } from './session';
import { GatewayStdioTransport } from './stdioTransport';

/** Options of {@link runStdioGateway}. */
export interface StdioGatewayOptions {
  /** The agent every call is decided for. */
  agent: string;
  /** The upstream's name: the first part of its actions (`server.tool`). */
  server: string;
  upstream: UpstreamSpec;
  aegis?: Pick<AegisOptions, 'url' | 'apiKey' | 'mode'>;
  allowTools?: string[];
  /** Where tools are pinned: {@link serverPins} (Aegis's database), a {@link PinStore} file, or null. */
  pins: ToolPins | null;
  /** @defaultValue 300_000 */
  reviewTimeoutMs?: number;
  /** @defaultValue 5_000 */
  progressIntervalMs?: number;
  version: string;
  log: (line: string) => void;
}

/**
 * `aegis mcp --agent NAME -- <command> [args]`: launches the upstream and speaks MCP on this
 * process's stdin/stdout, so it drops into any client's MCP config in place of the command.
 * Resolves when the client disconnects.
 */
export async function runStdioGateway(o: StdioGatewayOptions): Promise<void> {
  const aegis = createAegis({
    ...o.aegis,
    onError: (error) => o.log(`background: ${startupMessage(error)}`),
  });
  try {
    await ensureAgent(aegis, o.agent, `MCP gateway in front of "${o.server}"`);
  } catch (error) {
    // Unreachable now is not fatal: every call is refused until Aegis answers (fail closed).
    if (error instanceof AegisError && error.code !== 'UNAVAILABLE') throw error;
    o.log(`${startupMessage(error)} — tool calls are refused until it answers`);
  }
  const session = new GatewaySession({
    aegis,
    agent: o.agent,
    upstreams: { [o.server]: o.upstream },
    prefixes: { [o.server]: o.upstream.prefix ?? '' },
    allow: toolFilter(o.allowTools),
    pins: o.pins,
    reviewTimeoutMs: o.reviewTimeoutMs ?? 300_000,
    progressIntervalMs: o.progressIntervalMs ?? 5_000,
    inheritEnv: true,
    version: o.version,
    log: o.log,
  });
  const transport = new GatewayStdioTransport();
  const closed = new Promise<void>((resolve) => {
    session.server.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await session.server.connect(transport);
  await closed;
  await session.close();
  await aegis.close();
}
