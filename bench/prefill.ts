/**
 * `npx tsx bench/prefill.ts <data dir> <entries>`: fills a bench data directory's audit log
 * before any server runs on it, so scenario 6 can then run at sizes the server-attached insert
 * takes hours for (`AEGIS_BENCH_DATA_DIR=<dir> AEGIS_BENCH_AUDIT_ENTRIES=<entries> npm run bench
 * -- --only 6` reuses the log: rebuild and queries only).
 *
 * Inserted through a running server, every entry also reaches that server's change feed (live
 * events, activity counts), which at millions of entries halves the insert rate and keeps the
 * server busy long after; here the store runs alone, in its own process (the documents are
 * built and hashed here meanwhile). First the real server starts once on the directory (creating
 * its collections and indexes, as a deployment would have them) and stops; then the same
 * documents scenario 6 inserts are appended, continuing the hash chain.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { startBenchServer } from './harness';
import { bulkInsert } from './scenarios/auditQueries';
import { FULL } from './types';

const [dir, entriesArg] = process.argv.slice(2);
const entries = Number(entriesArg);
if (!dir || !Number.isInteger(entries) || entries <= 0) {
  process.stderr.write('usage: npx tsx bench/prefill.ts <data dir> <entries>\n');
  process.exit(2);
}
await mkdir(dir, { recursive: true, mode: 0o700 });
if (((await stat(dir)).mode & 0o077) !== 0) {
  process.stderr.write(
    `${dir} is readable by other users; the server will refuse it (mkdir -m 700)\n`,
  );
  process.exit(2);
}

const server = await startBenchServer({ dataDir: dir });
await server.stop();

const cli = fileURLToPath(new URL('../embedded-mongo/src/cli.ts', import.meta.url));
const store = spawn(process.execPath, ['--import', 'tsx', cli, '--dir', path.join(dir, 'store')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let uri: string | undefined;
for await (const line of createInterface({ input: store.stdout })) {
  uri = /listening on (\S+)/.exec(line)?.[1];
  if (uri) break;
}
if (!uri) throw new Error('the store did not start');
// Long: a batch of 1,000 into a log of millions can take a while on a busy machine.
// Polling monitoring, as the server uses with this store: the streaming monitor timed out while
// the store counted 10,000,000 documents at the end and failed the run after its last insert
// (every entry was in; the server-side count is a full scan in this store).
const client = await MongoClient.connect(uri, {
  socketTimeoutMS: 300_000,
  serverMonitoringMode: 'poll',
});
try {
  const t0 = performance.now();
  const { perSecond, total } = await bulkInsert(
    client.db('aegis'),
    entries,
    FULL.audit.agents,
    FULL.audit.batch,
  );
  process.stdout.write(
    `inserted ${entries.toLocaleString('en-US')} entries in ${((performance.now() - t0) / 1000).toFixed(0)} s (${Math.round(perSecond).toLocaleString('en-US')}/s); the log holds ${total.toLocaleString('en-US')}\n`,
  );
} finally {
  await client.close();
  store.kill('SIGTERM');
  await once(store, 'exit');
}
