import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loopbackAddress } from '../src/tools/index.js';
import { attemptConnection } from '../src/tools/loopback.js';

describe('loopbackAddress', () => {
  it('accepts loopback hosts', () => {
    expect(loopbackAddress('127.0.0.1')).toBe('127.0.0.1');
    expect(loopbackAddress('127.8.9.10')).toBe('127.8.9.10');
    expect(loopbackAddress('localhost')).toBe('127.0.0.1');
    expect(loopbackAddress('[::1]')).toBe('::1');
  });

  it('refuses anything that could leave the machine, without resolving names', () => {
    for (const host of [
      '10.0.0.1',
      '8.8.8.8',
      '0.0.0.0',
      'evil.example.com',
      '127.0.0.1.nip.io',
      '::ffff:8.8.8.8',
    ]) {
      expect(() => loopbackAddress(host)).toThrow(/only ever connects to loopback/);
    }
  });
});

describe('attemptConnection', () => {
  it('really connects and delivers the payload', async () => {
    const received: string[] = [];
    const server = createServer((socket) => socket.on('data', (d) => received.push(d.toString())));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await attemptConnection('127.0.0.1', port, 'hello');
      expect(result).toMatchObject({ connected: true, port, bytes_sent: 5 });
      await expect.poll(() => received.join('')).toBe('hello');
    } finally {
      server.close();
    }
  });

  it('reports a refused connection as an outcome', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const result = await attemptConnection('127.0.0.1', port, '');
    expect(result.connected).toBe(false);
    expect(result.error).toMatch(/ECONNREFUSED/);
  });
});
