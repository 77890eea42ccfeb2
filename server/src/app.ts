import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import type { Logger } from 'pino';
import { createAuthService, securityMiddleware, type AegisAuth } from './auth';
import { loadBindingSecret } from './auth/bindingSecret';
import { connectDataStore, type DataStore } from './data/connect';
import { preparePrivateDataDir } from './data/dataDir';
import { dashboardRouter } from './http/dashboard';
import { createFastPath, type FastPath } from './http/fastPath';
import { createRestFastPath } from './http/restFastPath';
import { metricsRoute } from './http/metricsRoute';
import { exportRoute } from './http/exportRoute';
import { reportExportRoute } from './export/reportRoute';
import { createExportGate } from './export/exportGate';
import { AegisMetrics } from './observability/metrics';
import { refuseMalformedTrpcPath, refuseNestedTrpcPath } from './http/malformedPath';
import { refuseUnservedSubscriptions, serveLiveStreams } from './http/liveStreams';
import { limitStreams } from './http/streamLimit';
import { requestLog, type RequestWithId } from './http/requestLog';
import { createRestRouter } from './rest';
import { appRouter } from './routers/_app';
import { createServices, type Services } from './services';
import type { ServiceHooks } from './services/deps';
import { createNotifier } from './notify';
import { loadRateLimits } from './env';
import { createExpressContext } from './trpc/expressContext';
import { procedurePaths } from './trpc/internals';
import { MAX_BATCH_SIZE, MAX_BODY_BYTES, STREAM_QUEUE_LIMIT } from './trpc/limits';

export interface CreateAppOptions {
  /** Where the admin key and (embedded) the store live; created 0700, refused if others can read it. */
  dataDir: string;
  /** Use this MongoDB instead of the embedded store. */
  mongoUri?: string;
  /** Keep the embedded store in memory instead of `<dataDir>/store` (tests). */
  inMemoryStore?: boolean;
  /** The embedded store on its private Unix socket (default) or a loopback TCP port (the bench's comparison). */
  storeTransport?: 'socket' | 'tcp';
  /** The embedded store's decision-path writes in process (default) or through the driver (data/connect.ts). */
  inProcessWrites?: boolean;
  dbName: string;
  logger: Logger;
  approvalTtlMs: number;
  /** AEGIS_MAX_PENDING_APPROVALS: open approvals one agent may have (default 200). */
  maxPendingApprovals?: number;
  /** AEGIS_MAX_ARGS_BYTES: a call's canonical arguments larger than this are refused (413). */
  maxArgsBytes?: number;
  /** AEGIS_REPORT_MAX_AGE_MS: agents' reports dated earlier are refused. */
  reportMaxAgeMs?: number;
  /** AEGIS_ROLLUPS: keep analytics rollups (default true). */
  rollups?: boolean;
  /** AEGIS_ANOMALY_SCAN_MS: how often anomalies are looked for (default 60 s; 0: never). */
  anomalyScanMs?: number;
  /** AEGIS_AGENT_REGISTRATION: `review` makes even an agent's first declared policy a proposal. */
  agentRegistration?: 'open' | 'review';
  /** AEGIS_SECRET: the approval-binding key; generated and kept by the installation when absent. */
  secret?: string;
  /** AEGIS_TRUST_PROXY: proxies whose X-Forwarded-For names the client (login limiter); none by default. */
  trustProxy?: false | number | string[];
  /** AEGIS_MAX_STREAMS: live streams one key may hold open (read from the environment when absent). */
  maxStreams?: number;
  /** Events a live stream may have waiting for a client that doesn't read, before it is dropped. */
  streamQueueLimit?: number;
  /** How often a text compliance report in preparation sends a newline (tests; default 5 s). */
  exportHeartbeatMs?: number;
  corsOrigins: string[];
  /** AEGIS_METRICS_TOKEN: a bearer token that may scrape /metrics (admins always may). */
  metricsToken?: string;
  /** Base URL printed in login links. */
  publicUrl: string;
  /** The built dashboard; default client/dist beside the server. */
  clientDist?: string;
}

export interface AegisApp {
  app: Express;
  /** What the HTTP server runs: the SDK's fast paths (http/fastPath.ts, http/restFastPath.ts), then the Express app. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  fastPath: FastPath;
  /** The seed SDK's three REST requests without Express (http/restFastPath.ts). */
  restFastPath: FastPath;
  services: Services;
  /** This process's Prometheus registry, served at /metrics. */
  metrics: AegisMetrics;
  auth: AegisAuth;
  store: DataStore;
  /** Waits for the background writes caused by what has happened so far (see ServicesHandle.settle). */
  settle(): Promise<void>;
  /** Stops background work and closes the database (and the embedded store). Close the HTTP server first. */
  close(): Promise<void>;
}

/** Locates client/dist both from source (server/src) and from the bundle (server/dist). */
function defaultClientDist(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '..', '..', 'client', 'dist');
}

/**
 * Builds the whole server on one port: `/trpc` (batching, SSE subscriptions), `/api` (REST,
 * OpenAPI, docs) and `/` (the dashboard). Used by index.ts and by the integration tests.
 */
export async function createApp(opts: CreateAppOptions): Promise<AegisApp> {
  const { logger } = opts;
  // Before anything is written into it (the store's files, the admin key).
  await preparePrivateDataDir(opts.dataDir);
  const store = await connectDataStore({
    mongoUri: opts.mongoUri,
    dataDir: opts.inMemoryStore ? ':memory:' : opts.dataDir,
    dbName: opts.dbName,
    logger,
    storeTransport: opts.storeTransport,
    inProcessWrites: opts.inProcessWrites,
  });
  try {
    const bindingSecret = await loadBindingSecret({
      dataDir: opts.dataDir,
      embedded: store.embedded,
      connection: store.connection,
      secret: opts.secret,
      logger,
    });
    const metrics = new AegisMetrics();
    const hooks: ServiceHooks = {};
    const handle = await createServices({
      hooks,
      metrics,
      connection: store.connection,
      logger,
      approvalTtlMs: opts.approvalTtlMs,
      maxPendingApprovals: opts.maxPendingApprovals,
      bindingSecret,
      storeAccess: store.access,
      registration: opts.agentRegistration,
      reportMaxAgeMs: opts.reportMaxAgeMs,
      maxArgsBytes: opts.maxArgsBytes,
      rollups: opts.rollups,
      anomalyScanMs: opts.anomalyScanMs,
    });
    const { services } = handle;
    const auth = await createAuthService({
      connection: store.connection,
      dataDir: opts.dataDir,
      publicUrl: opts.publicUrl,
      logger,
      services,
      onKeysChanged: (listener) => handle.onKeysChanged(listener),
      onRateLimited: (limit) => metrics.refused(limit),
    });
    const notifier = await createNotifier({
      connection: store.connection,
      services,
      auth,
      hooks,
      bindingSecret,
      publicUrl: opts.publicUrl,
      logger,
    });
    services.channels = notifier.channels;

    const app = express();
    app.disable('x-powered-by');
    // Off unless configured: req.ip is then the socket's peer, whatever X-Forwarded-For says.
    app.set('trust proxy', opts.trustProxy ?? false);
    app.use(requestLog(logger));
    app.use(...securityMiddleware({ corsOrigins: opts.corsOrigins }));
    app.use('/trpc', refuseMalformedTrpcPath(), refuseNestedTrpcPath());
    app.use(
      '/trpc',
      limitStreams({
        auth,
        limit: opts.maxStreams ?? loadRateLimits().AEGIS_MAX_STREAMS,
        subscriptions: subscriptionPaths(),
      }),
    );
    const createContext = createExpressContext({
      services,
      auth,
      streamQueueLimit: opts.streamQueueLimit ?? STREAM_QUEUE_LIMIT,
    });
    app.use(
      '/trpc',
      serveLiveStreams({
        createContext,
        subscriptions: subscriptionPaths(),
        guard: auth.streams,
        onError(error, procedure, req) {
          if (error.code !== 'INTERNAL_SERVER_ERROR') return;
          ((req as RequestWithId).log ?? logger).error(
            { err: error.cause ?? error, procedure },
            'stream failed',
          );
        },
      }),
    );
    app.use('/trpc', refuseUnservedSubscriptions(subscriptionPaths()));
    app.use(
      '/trpc',
      createExpressMiddleware({
        router: appRouter,
        createContext,
        maxBatchSize: MAX_BATCH_SIZE,
        maxBodySize: MAX_BODY_BYTES,
        onError({ error, path: procedure, req }) {
          // Expected failures (bad input, not found, conflicts) are answers, not server errors.
          if (error.code !== 'INTERNAL_SERVER_ERROR') return;
          const log = (req as RequestWithId).log ?? logger;
          log.error({ err: error.cause ?? error, procedure }, 'procedure failed');
        },
      }),
    );
    app.get('/metrics', metricsRoute({ auth, metrics, token: opts.metricsToken }));
    // One gate for both: either export can read the whole log.
    const exportGate = createExportGate();
    app.get('/export/audit', exportRoute({ auth, services, gate: exportGate }));
    app.get('/export/report', reportExportRoute({ auth, services, gate: exportGate, heartbeatMs: opts.exportHeartbeatMs }));
    app.use('/api', createRestRouter({ services, auth, logger }));
    app.use('/notify', notifier.router);
    app.use(dashboardRouter(opts.clientDist ?? defaultClientDist()));
    app.use(function errorHandler(error: unknown, req: Request, res: Response, next: NextFunction) {
      if (res.headersSent) return next(error);
      const status = statusOf(error);
      if (status >= 500)
        ((req as RequestWithId).log ?? logger).error({ err: error }, 'unhandled error');
      res
        .status(status)
        .json({ detail: status >= 500 ? 'Internal server error' : messageOf(error) });
    });

    const fastPath = createFastPath({ services, auth, logger });
    const restFastPath = createRestFastPath({ services, auth, logger });
    return {
      app,
      handler(req, res) {
        if (!fastPath(req, res) && !restFastPath(req, res)) app(req, res);
      },
      fastPath,
      restFastPath,
      services,
      metrics,
      auth,
      store,
      settle: () => handle.settle(),
      async close() {
        await notifier.close();
        await handle.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

function subscriptionPaths(): Set<string> {
  const paths = [...procedurePaths(appRouter)];
  return new Set(paths.filter(([, type]) => type === 'subscription').map(([path]) => path));
}

/** body-parser and friends put an HTTP status on their errors (e.g. 400 for malformed JSON). */
function statusOf(error: unknown): number {
  const status =
    (error as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : 'Bad request';
}
