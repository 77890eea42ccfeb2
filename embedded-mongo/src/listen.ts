import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { connect, type Server } from 'node:net';

/**
 * Where the store accepts connections: a Unix domain socket (only users who may write the socket
 * file can connect: its owner, as it is made 0600) or a TCP port (any local user can connect:
 * the wire protocol has no authentication here).
 */
export type ListenAddress = { socket: string } | { host: string; port: number };

/** Linux's `sun_path` holds 108 bytes including the NUL; Node silently truncates longer paths. */
export const MAX_SOCKET_PATH_BYTES = 107;

/**
 * Listens on `address` and returns the URI the driver connects with. A socket is made 0600 right
 * after binding; a leftover socket file from a process that died is removed first, but a socket
 * another live process is serving is refused (two stores on one data directory would corrupt it).
 */
export async function listenOn(
  server: Server,
  address: ListenAddress,
): Promise<{ uri: string; port?: number }> {
  if ('socket' in address) {
    const path = address.socket;
    checkSocketPath(path);
    await removeStaleSocket(path);
    await listen(server, (done) => server.listen(path, done));
    chmodSync(path, 0o600);
    // The driver recognises a socket host by its ending; `/` must be percent-encoded.
    return { uri: `mongodb://${encodeURIComponent(path)}/` };
  }
  await listen(server, (done) => server.listen(address.port, address.host, done));
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : address.port;
  const uriHost = address.host.includes(':') ? `[${address.host}]` : address.host;
  return { uri: `mongodb://${uriHost}:${port}/`, port };
}

function checkSocketPath(path: string): void {
  if (!path.endsWith('.sock')) {
    throw new Error(
      `embedded-mongo: the socket path must end in ".sock" (MongoDB drivers need it): ${path}`,
    );
  }
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new Error(
      `embedded-mongo: the socket path is ${bytes} bytes, more than the ${MAX_SOCKET_PATH_BYTES} a Unix socket allows: ${path} (use a shorter data directory)`,
    );
  }
}

function listen(server: Server, start: (done: () => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    start(() => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Removes `path` if it is a socket nobody answers on; refuses if it is live or not a socket. */
async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket)
    throw new Error(`embedded-mongo: ${path} exists and is not a socket; not replacing it`);
  const answer = await new Promise<'live' | 'stale' | Error>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve('live');
    });
    // Refused: the socket file outlived its process. Anything else (EACCES: someone else's) is
    // not ours to remove.
    probe.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ECONNREFUSED' ? 'stale' : error),
    );
  });
  if (answer === 'live')
    throw new Error(`embedded-mongo: another process is already serving ${path}`);
  if (answer instanceof Error)
    throw new Error(`embedded-mongo: cannot reuse ${path}: ${answer.message}`);
  unlinkSync(path);
}
