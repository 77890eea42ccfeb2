import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** A positive rate; `2000`, `2000/s` and (for logins) `10/min` all read as the number. */
const rate = (fallback: number) =>
  z
    .string()
    .trim()
    .transform((raw) => Number(raw.replace(/\/s$|\/min$/, '')))
    .pipe(z.number().positive('must be a positive number').finite('must be a positive number'))
    .default(fallback);

/** Rate and stream limits; read again by each createApp, so tests and the bench can set them. */
const rateShape = {
  AEGIS_RATE_DECIDE: rate(2000).describe('sdk.decide calls per second per key'),
  AEGIS_RATE_LOGIN: rate(10).describe('failed logins per minute per client IP'),
  AEGIS_RATE_REPORTS: rate(2000).describe("agents' report entries per second per key"),
  AEGIS_RATE_TRIALS: rate(10).describe(
    'policy trials (policies.tryCall, POST /api/policy-documents/try) per second per key',
  ),
  AEGIS_MAX_STREAMS: z.coerce
    .number()
    .int('must be a whole number')
    .min(1)
    .max(10_000)
    .default(16)
    .describe('Live streams (SSE subscriptions) one key may hold open on a server; 429 beyond'),
};
const rateSchema = z.object(rateShape);
export type RateLimitEnv = z.infer<typeof rateSchema>;

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
/** An address, a subnet (`10.0.0.0/8`) or one of Express's names for a range. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [ip = '', bits, ...rest] = entry.split('/');
  const family = isIP(ip);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

/**
 * Which proxies may name the client's address in X-Forwarded-For (login limiter, logs). Off by
 * default: without a proxy anyone could send the header and get a fresh login allowance per
 * forged address. A hop count or the proxies' addresses; never "any hop".
 */
const trustProxy = z
  .string()
  .trim()
  .refine(
    (v) => v !== 'true',
    'name the proxy (loopback, its address or subnet, or a hop count): trusting every hop lets any client forge its address',
  )
  .transform((v, ctx): false | number | string[] => {
    if (v === 'false' || v === '0') return false;
    if (/^\d+$/.test(v)) return Number(v);
    const entries = v
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const bad = entries.find((e) => !isProxyAddress(e));
    if (bad !== undefined || entries.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: `not an address, subnet, hop count or loopback/linklocal/uniquelocal: ${bad ?? v}`,
      });
      return z.NEVER;
    }
    return entries;
  })
  .default(false);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().min(1).default('127.0.0.1'),
  MONGO_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  AEGIS_DATA_DIR: z.string().min(1).default('.aegis'),
  AEGIS_DB_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, 'letters, digits, "_" or "-", at most 63')
    .default('aegis'),
  LOG_LEVEL: logLevel.default('info'),
  AEGIS_APPROVAL_TTL_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(30 * 24 * 3600 * 1000)
    .default(3600 * 1000),
  AEGIS_MAX_PENDING_APPROVALS: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(200)
    .describe('Open approvals one agent may have; a call that would open one more is refused'),
  AEGIS_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url('each origin must be a URL such as http://localhost:5173'))),
  AEGIS_MAX_ARGS_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(4 * 1024 * 1024)
    .default(64 * 1024)
    .describe("A call's arguments (canonical JSON) larger than this are refused with 413"),
  AEGIS_REPORT_MAX_AGE_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .max(30 * 24 * 3600 * 1000)
    .default(24 * 3600 * 1000)
    .describe("Agents' reports dated earlier than this are refused (the local-mode spool's limit)"),
  AEGIS_ROLLUPS: z
    .enum(['on', 'off'])
    .default('on')
    .describe(
      'off: keep no analytics rollups (the Analytics page and anomaly detection then stay empty)',
    ),
  AEGIS_ANOMALY_SCAN_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3600_000)
    .default(60_000)
    .describe('How often each server looks for anomalies in the hourly rollups; 0: never'),
  AEGIS_AGENT_REGISTRATION: z
    .enum(['open', 'review'])
    .default('open')
    .describe("review: even an agent key's first declared policy waits for an admin"),
  AEGIS_SECRET: z
    .string()
    .min(32, 'at least 32 characters (e.g. `openssl rand -base64 32`)')
    .optional()
    .describe('Key of approval bindings; generated and kept by the installation when unset'),
  AEGIS_METRICS_TOKEN: z
    .string()
    .min(32, 'at least 32 characters (e.g. `openssl rand -hex 32`)')
    .optional()
    .describe(
      "A bearer token that may read /metrics and nothing else (Prometheus' scrape credential)",
    ),
  AEGIS_TRUST_PROXY: trustProxy.describe(
    'Proxies trusted to name the client address in X-Forwarded-For; off by default',
  ),
  AEGIS_PUBLIC_URL: z
    .url()
    .optional()
    .describe('Base URL printed in login links; defaults to http://HOST:PORT'),
  ...rateShape,
});

/** The server's configuration, validated from the environment. */
export type Env = z.infer<typeof envSchema> & { AEGIS_DATA_DIR: string };

export class EnvError extends Error {}

/**
 * Parses the environment. A bad value throws one {@link EnvError} whose message names every
 * offending variable, so start-up stops with something a person can act on.
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Env {
  const data = parseEnv(envSchema, source);
  return { ...data, AEGIS_DATA_DIR: path.resolve(cwd, data.AEGIS_DATA_DIR) };
}

/** The rate limits alone (createApp reads them when not given, as tests and the bench set them). */
export function loadRateLimits(source: NodeJS.ProcessEnv = process.env): RateLimitEnv {
  return parseEnv(rateSchema, source);
}

function parseEnv<T extends z.ZodType>(schema: T, source: NodeJS.ProcessEnv): z.output<T> {
  // Empty and blank strings mean "unset" (e.g. `MONGO_URI= npm start`).
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${issue.path[0]?.toString() ?? '?'}: ${issue.message}`,
    );
    throw new EnvError(`Invalid environment:\n${[...new Set(lines)].join('\n')}`);
  }
  return parsed.data;
}
