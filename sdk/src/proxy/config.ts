import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { actionName, agentName } from '@aegis/shared';
import { aegisConnection } from '../mcp/config';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** One endpoint of a host: METHOD + path template (`/v1/transfers/:id`) → the action decided. */
const endpoint = z
  .object({
    method: z.enum(METHODS),
    path: z
      .string()
      .startsWith('/')
      .max(512)
      .regex(/^[A-Za-z0-9/_.~:*-]*$/, 'letters, digits, / _ . ~ - , :param and a trailing *'),
    action: actionName,
    tags: z.array(z.string().min(1).max(64)).max(32).default([]),
    /**
     * Query parameters and form fields this endpoint takes as lists (`?id=1&id=2`): policy always
     * sees them as a list. Any other name given more than once is refused with 400
     * REPEATED_PARAMETER (the upstream would read one value, policy a list).
     */
    lists: z.array(z.string().min(1).max(200)).max(100).default([]),
  })
  .strict();

/** A host the agent may reach, and its endpoints; anything else on it is refused. */
const route = z
  .object({
    /** `host` or `host:port`, as in the request URL (port 80 may be left out). */
    host: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'a host name or host:port'),
    endpoints: z.array(endpoint).min(1).max(1000),
    /**
     * Let CONNECT tunnels (HTTPS) to this host through, decided once per tunnel as
     * `<action prefix>.connect`. What travels inside a tunnel can't be seen: keep it off for hosts
     * whose calls must be decided one by one (send them as plain HTTP to the proxy instead).
     */
    connectAction: actionName.optional(),
    /**
     * Bodies Aegis can't read as arguments (octet-stream, images, large binary file parts): `refuse`
     * (415, recorded) unless set to `allow`, which forwards them with their bytes scanned by DLP
     * as text — conditions on `args.body.<field>` can't read them.
     */
    opaqueBody: z.enum(['refuse', 'allow']).default('refuse'),
  })
  .strict();

export const proxyConfig = z
  .object({
    aegis: aegisConnection,
    /** The agent every request through this proxy is decided for. */
    agent: agentName,
    listen: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8710),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8710 }),
    reviewTimeoutSeconds: z.number().positive().max(86_400).default(300),
    /** Largest request body forwarded (and decided on). */
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .max(16 * 1024 * 1024)
      .default(1024 * 1024),
    /**
     * The longest a CONNECT tunnel stays open: a tunnel is decided once, so it is cut (and
     * recorded) after this long and the client opens — and Aegis decides — a new one.
     */
    maxTunnelSeconds: z.number().int().positive().max(86_400).default(900),
    routes: z.array(route).min(1, 'at least one route is needed').max(1000),
  })
  .strict();
export type ProxyConfig = z.infer<typeof proxyConfig>;
export type ProxyEndpoint = z.infer<typeof endpoint>;

/** Reads and validates a proxy YAML file; errors name the file and the field. */
export async function loadProxyConfig(file: string): Promise<ProxyConfig> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  const parsed = proxyConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${file}: ${issue?.path.join('.') || '(top level)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
