import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { actionName, agentName } from '@aegis/shared';

/** How one upstream tool is presented to Aegis: its action name and extra policy tags. */
const toolMapping = z
  .object({
    action: actionName.optional().describe('Action name to decide on; default `<upstream>.<tool>`'),
    tags: z.array(z.string().min(1).max(64)).max(32).default([]),
  })
  .strict();

const upstreamName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "_" or "-" (up to 64)');

/** A user or group: a name, or a numeric id. */
const osId = z.union([
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/, 'a user or group name, or a number'),
  z.number().int().min(0),
]);

const common = {
  /** Prefix of this upstream's tool and prompt names as clients see them. */
  prefix: z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9_.-]*$/)
    .optional(),
  tools: z.record(z.string(), toolMapping).default({}),
  /** Ignore the upstream's own annotations (destructiveHint, openWorldHint…) for tags. */
  ignoreAnnotations: z.boolean().default(false),
};

/** An upstream MCP server the gateway launches (stdio) or connects to (Streamable HTTP). */
export const upstreamSpec = z.union([
  z
    .object({
      command: z.string().min(1),
      args: z.array(z.string()).default([]),
      env: z.record(z.string(), z.string()).default({}),
      cwd: z.string().optional(),
      /** Run the upstream as this OS user (name or uid; the gateway must run as root). */
      user: osId.optional(),
      /** …and group (name or gid); default: the user's primary group. */
      group: osId.optional(),
      ...common,
    })
    .strict(),
  z
    .object({
      url: z.url(),
      headers: z.record(z.string(), z.string()).default({}),
      ...common,
    })
    .strict(),
]);
export type UpstreamSpec = z.infer<typeof upstreamSpec>;

/** Which Aegis decides, and how (strict: the server per call; local: a pushed snapshot). */
export const aegisConnection = z
  .object({
    url: z.url().optional(),
    mode: z.enum(['strict', 'local']).default('strict'),
  })
  .strict()
  .default({ mode: 'strict' });

export const gatewayConfig = z
  .object({
    aegis: aegisConnection,
    listen: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8700),
        path: z.string().startsWith('/').default('/mcp'),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8700, path: '/mcp' }),
    /** How long a call held for review waits for a person before it is refused. */
    reviewTimeoutSeconds: z.number().positive().max(86_400).default(300),
    /**
     * `aegis mcp serve`: sessions one key may hold open at once (each starts its own stdio
     * upstreams); past it a new session is refused with 429 until one is closed or expires.
     */
    maxSessionsPerKey: z.number().int().min(1).max(10_000).default(16),
    /** `aegis mcp serve`: a session with no request and no open stream for this long is closed. */
    sessionIdleSeconds: z
      .number()
      .int()
      .min(10)
      .max(7 * 86_400)
      .default(1800),
    /** Pin tools in this local file instead of Aegis's database (the default, shared by every gateway). */
    pinsFile: z.string().optional(),
    /**
     * Hold even the tools of an agent's first list of an upstream until an admin accepts them.
     * Default: that list is pinned as it is (trust on first use); tools added later are held.
     */
    holdFirstList: z.boolean().default(false),
    upstreams: z.record(upstreamName, upstreamSpec).refine((u) => Object.keys(u).length > 0, {
      message: 'at least one upstream is needed',
    }),
    /** Per agent: the only tools (exposed names, `*` globs) it may see and call. */
    agents: z
      .record(agentName, z.object({ tools: z.array(z.string().min(1)).max(1000) }).strict())
      .default({}),
  })
  .strict();
export type GatewayConfig = z.infer<typeof gatewayConfig>;

/** Reads and validates a gateway YAML file; errors name the file and the field. */
export async function loadGatewayConfig(file: string): Promise<GatewayConfig> {
  const text = await readFile(file, 'utf8');
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new Error(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  const parsed = gatewayConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(top level)';
    throw new Error(`${file}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
