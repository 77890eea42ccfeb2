/**
 * The server under test, in its own process so the bench client never shares its event loop:
 * the real app (`startServer`) on 127.0.0.1:0 with the embedded store in the given directory.
 * Started by harness.ts with `fork`; reports `{ url }` over IPC and stops on a 'stop' message
 * (exiting normally, so `--cpu-prof` can write its profile).
 */
import { startServer } from '../server/src/server';
import { createLogger } from '../server/src/logger';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: serverProcess.ts <dataDir>');

const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  dataDir,
  inMemoryStore: false,
  dbName: 'aegis',
  logger: createLogger(process.env.BENCH_LOG_LEVEL ?? 'silent'),
  approvalTtlMs: 3600_000,
  corsOrigins: [],
  publicUrl: 'http://127.0.0.1',
});
await server.auth.bootstrap();
process.send?.({ type: 'ready', url: server.url });

process.on('message', (message: unknown) => {
  // CPU time used so far: lets the bench report server CPU per operation, which a noisy shared
  // machine distorts far less than wall-clock latency.
  if (message === 'cpu') process.send?.({ type: 'cpu', usage: process.cpuUsage() });
  if (message === 'stop') void server.stop().finally(() => process.exit(0));
});
// The parent died without saying goodbye: don't linger.
process.on('disconnect', () => void server.stop().finally(() => process.exit(0)));
