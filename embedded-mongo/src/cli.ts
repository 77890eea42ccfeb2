/**
 * Runs the store standalone so other processes (the demo, a second server) can share it:
 *
 *   node --import tsx embedded-mongo/src/cli.ts --dir ./data                 # socket ./data/mongod.sock
 *   node --import tsx embedded-mongo/src/cli.ts --dir ./data --socket /run/x.sock
 *   node --import tsx embedded-mongo/src/cli.ts --dir ./data --port 27017   # TCP: any local user can connect
 *
 * Prints one line `embedded-mongo listening on mongodb://… (data: …)` once ready (tests and
 * scripts wait for it), and closes cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startEmbeddedMongo, type EmbeddedMongoOptions } from './server.js';

const USAGE = `usage: embedded-mongo [--dir ./data | --dir :memory:] [--socket PATH.sock | --port N [--host 127.0.0.1]]

  --dir      data directory (created 0700; files 0600), or :memory: (default ./data)
  --socket   listen on this Unix domain socket, made 0600: only this user can connect
             (default: <dir>/mongod.sock)
  --port     listen on TCP instead (0 picks a free port). There is no authentication:
             any user on this machine can connect and read or change every database.
  --host     TCP interface (default 127.0.0.1)`;

function fail(message: string): never {
  console.error(`embedded-mongo: ${message}\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      socket: { type: 'string' },
      dir: { type: 'string', default: './data' },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const options: EmbeddedMongoOptions = { dir: values.dir };
if (values.socket !== undefined && values.port !== undefined)
  fail('give --socket or --port, not both');
if (values.host !== undefined && values.port === undefined) fail('--host needs --port (TCP)');
if (values.port !== undefined) {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid --port ${values.port}`);
  options.port = port;
  options.host = values.host ?? '127.0.0.1';
} else if (values.socket !== undefined) {
  options.socket = values.socket;
} else if (values.dir === ':memory:') {
  fail('with --dir :memory: give --socket PATH.sock (or --port)');
}

let store;
try {
  store = await startEmbeddedMongo(options);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
if (store.port !== undefined) {
  const everyone = !['127.0.0.1', '::1', 'localhost'].includes(options.host ?? '');
  console.error(
    `embedded-mongo: WARNING: listening on TCP ${options.host}:${store.port} without authentication — ` +
      (everyone
        ? 'anyone who can reach this address can read and change every database.'
        : 'any user on this machine can connect and read or change every database.') +
      ' Use --socket (the default) to keep the store private to this user.',
  );
}
console.log(`embedded-mongo listening on ${store.uri} (data: ${values.dir})`);

const shutdown = (): void => {
  void store.close().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
