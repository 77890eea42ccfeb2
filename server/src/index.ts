import cluster from 'node:cluster';
import { DataDirError } from './data/dataDir';
import { EnvError, loadEnv } from './env';
import { createLogger } from './logger';
import { startServer } from './server';
import { startTracingFromEnv } from './observability/startTracing';
import { warnIfExposed } from './auth';
import { bootstrapsHere, runPrimary, workersFromArgs } from './workers';

/**
 * `npm start`: validated configuration, one process on HOST:PORT serving the dashboard, `/trpc`
 * and `/api`, and a graceful shutdown on SIGINT/SIGTERM. `npm start -- --workers N`: N such
 * processes on one port (workers.ts).
 */
async function main(): Promise<void> {
  let env;
  try {
    env = loadEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(env.LOG_LEVEL);
  const workers = workersFromArgs(process.argv.slice(2));
  if (workers !== null && workers > 1 && cluster.isPrimary) {
    await runPrimary({
      workers,
      dataDir: env.AEGIS_DATA_DIR,
      mongoUri: env.MONGO_URI,
      secret: env.AEGIS_SECRET,
      logger,
    });
    return;
  }
  const hostForUrl = env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST;
  const publicUrl =
    env.AEGIS_PUBLIC_URL ??
    `http://${hostForUrl === '0.0.0.0' ? '127.0.0.1' : hostForUrl}:${env.PORT}`;
  warnIfExposed(env.HOST, logger, env.AEGIS_PUBLIC_URL);
  // Before the server exists, so its tracer is the real one from the first request on.
  const stopTracing = startTracingFromEnv(process.env, logger);

  const server = await startServer({
    host: env.HOST,
    port: env.PORT,
    dataDir: env.AEGIS_DATA_DIR,
    mongoUri: env.MONGO_URI,
    dbName: env.AEGIS_DB_NAME,
    logger,
    approvalTtlMs: env.AEGIS_APPROVAL_TTL_MS,
    maxPendingApprovals: env.AEGIS_MAX_PENDING_APPROVALS,
    secret: env.AEGIS_SECRET,
    agentRegistration: env.AEGIS_AGENT_REGISTRATION,
    reportMaxAgeMs: env.AEGIS_REPORT_MAX_AGE_MS,
    maxArgsBytes: env.AEGIS_MAX_ARGS_BYTES,
    rollups: env.AEGIS_ROLLUPS === 'on',
    anomalyScanMs: env.AEGIS_ANOMALY_SCAN_MS,
    metricsToken: env.AEGIS_METRICS_TOKEN,
    corsOrigins: env.AEGIS_CORS_ORIGINS,
    trustProxy: env.AEGIS_TRUST_PROXY,
    publicUrl,
  });
  // One login link per start: with --workers, the first worker's (workers.ts).
  if (bootstrapsHere()) await server.auth.bootstrap();
  logger.info(
    { url: server.url, dataDir: env.AEGIS_DATA_DIR, embeddedStore: server.store.embedded },
    'Aegis is listening',
  );

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    server
      .stop()
      .then(() => stopTracing?.())
      .then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  // A stray rejection is a bug to see in the logs, not a reason to drop every agent's connection.
  process.on('unhandledRejection', (reason) =>
    logger.error({ err: reason }, 'unhandled promise rejection'),
  );
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  // A refused data directory is the operator's to fix; the message says how, a stack would bury it.
  if (error instanceof DataDirError) {
    process.stderr.write(`Aegis will not start: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(
    `Aegis failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
