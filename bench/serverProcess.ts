/**
 * The server under test, in its own process so the bench client never shares its event loop:
 * the real app (`startServer`, configured as every test suite's server) on 127.0.0.1:0 with the
 * embedded store in the given directory, on its private Unix socket (default) or a loopback TCP
 * port (scenario 8's comparison).
 * Bundled by harness.ts as `npm start` bundles the server and started with `fork`; reports `{ url }` over IPC and stops on a 'stop' message
 * (exiting normally, so `--cpu-prof` can write its profile).
 */
import { createLogger } from '../server/src/logger';
import { startTracingFromEnv } from '../server/src/observability/startTracing';
import { startServer } from '../server/src/server';
import { testServerConfig } from '../server/test/helpers/testServer';

const dataDir = process.argv[2];
const storeTransport = process.argv[3] ?? 'socket';
if (!dataDir || (storeTransport !== 'socket' && storeTransport !== 'tcp')) {
  throw new Error('usage: serverProcess.ts <dataDir> [socket|tcp]');
}

// As `npm start` does: tracing on only when OTEL_EXPORTER_OTLP_ENDPOINT is set (scenario 12).
startTracingFromEnv(process.env, createLogger('silent'));
const server = await startServer(testServerConfig({ dataDir, logLevel: process.env.BENCH_LOG_LEVEL, storeTransport }));
await server.auth.bootstrap();
// The store's URI (its private socket) for the bench's own driver connection: this process's
// user is the bench's user, so it may connect.
process.send?.({ type: 'ready', url: server.url, storeUri: server.store.uri });

process.on('message', (message: unknown) => {
  // CPU time used so far: lets the bench report server CPU per operation, which a noisy shared
  // machine distorts far less than wall-clock latency.
  if (message === 'cpu') process.send?.({ type: 'cpu', usage: process.cpuUsage() });
  // Waits for the background work already caused (a governance evaluation scheduled by
  // registrations, the audit queue), so a scenario can time its own work alone.
  if (message === 'settle') void server.settle().then(() => process.send?.({ type: 'settled' }));
  if (message === 'stop') void server.stop().finally(() => process.exit(0));
});
// The parent died without saying goodbye: don't linger.
process.on('disconnect', () => void server.stop().finally(() => process.exit(0)));
