import { connect, isIPv4, isIPv6 } from 'node:net';

/**
 * Resolves a host to a loopback address or refuses it. `connect_external` must be genuinely
 * dangerous-looking (it really opens a socket, so a test can prove Aegis stopped it) yet never
 * able to reach past this machine, whatever a model asks for. No DNS: names other than
 * `localhost` are refused rather than resolved, so a rebinding trick cannot slip through.
 */
export function loopbackAddress(host: string): string {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost') return '127.0.0.1';
  if (isIPv4(h) && h.startsWith('127.')) return h;
  if (isIPv6(h) && (h === '::1' || h === '0:0:0:0:0:0:0:1')) return '::1';
  throw new Error(
    `connect_external refuses ${host}: the demo only ever connects to loopback addresses (127.0.0.0/8, ::1, localhost).`,
  );
}

export interface ConnectionAttempt {
  connected: boolean;
  address: string;
  port: number;
  bytes_sent: number;
  error?: string;
}

/** Opens a TCP connection, sends the payload, and closes; a refused connection is an outcome, not a throw. */
export function attemptConnection(
  address: string,
  port: number,
  payload: string,
  timeoutMs = 3000,
): Promise<ConnectionAttempt> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const finish = (result: ConnectionAttempt): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () =>
      finish({ connected: false, address, port, bytes_sent: 0, error: 'timed out' }),
    );
    socket.once('error', (err) =>
      finish({ connected: false, address, port, bytes_sent: 0, error: err.message }),
    );
    socket.once('connect', () => {
      const bytes = Buffer.byteLength(payload);
      socket.end(payload, () => finish({ connected: true, address, port, bytes_sent: bytes }));
    });
  });
}
