/**
 * Runs the store standalone so other processes (the demo, a second server) can share it:
 *
 *   node --import tsx embedded-mongo/src/cli.ts --port 27017 --dir ./data [--host 127.0.0.1]
 *
 * Prints one line `embedded-mongo listening on mongodb://HOST:PORT/` once ready (tests and
 * scripts wait for it), and closes cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startEmbeddedMongo } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '27017' },
    host: { type: 'string', default: '127.0.0.1' },
    dir: { type: 'string', default: './data' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log('usage: embedded-mongo [--port 27017] [--host 127.0.0.1] [--dir ./data | --dir :memory:]');
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`embedded-mongo: invalid --port ${values.port}`);
  process.exit(2);
}

const store = await startEmbeddedMongo({ dir: values.dir, host: values.host, port });
console.log(`embedded-mongo listening on ${store.uri} (data: ${values.dir})`);

const shutdown = (): void => {
  void store.close().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
