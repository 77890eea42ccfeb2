import { lstatSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_SOCKET_PATH_BYTES, startEmbeddedMongo } from '../src/index.js';
import { startStandalone } from './helpers/standalone.js';

const root = mkdtempSync(join(tmpdir(), 'embedded-mongo-private-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const modeOf = (path: string) => lstatSync(path).mode & 0o777;

describe('a store on disk is private to its owner', () => {
  it('listens on a 0600 socket in a 0700 directory, and every file it writes is 0600', async () => {
    const dir = join(root, 'fresh', 'data'); // neither exists yet
    const store = await startEmbeddedMongo({ dir });
    try {
      expect(store.socket).toBe(join(dir, 'mongod.sock'));
      expect(store.port).toBeUndefined();
      expect(store.uri).toBe(`mongodb://${encodeURIComponent(join(dir, 'mongod.sock'))}/?directConnection=true`);
      const client = await MongoClient.connect(store.uri);
      await client
        .db('app')
        .collection('notes')
        .insertMany([{ n: 1 }, { n: 2 }]);
      expect(await client.db('app').collection('notes').countDocuments()).toBe(2);

      expect(modeOf(dir)).toBe(0o700);
      expect(modeOf(join(root, 'fresh'))).toBe(0o700);
      expect(lstatSync(store.socket!).isSocket()).toBe(true);
      const files = readdirSync(dir);
      // SQLite in WAL mode: the database, its -wal and its -shm, each 0600 like the database.
      expect(files.sort()).toEqual([
        'embedded-mongo.sqlite',
        'embedded-mongo.sqlite-shm',
        'embedded-mongo.sqlite-wal',
        'mongod.sock',
      ]);
      for (const file of files) expect([file, modeOf(join(dir, file))]).toEqual([file, 0o600]);
      await client.close();
    } finally {
      await store.close();
    }
    // Closing removes the socket; the data stays.
    expect(readdirSync(dir)).not.toContain('mongod.sock');
  });

  it('refuses a second store on a live socket, and replaces a socket left by a killed process', async () => {
    const dir = join(root, 'shared');
    const first = await startStandalone(['--dir', dir]);
    await expect(startEmbeddedMongo({ dir })).rejects.toThrow(
      /another process is already serving .*mongod\.sock/,
    );
    first.child.kill('SIGKILL'); // leaves the socket file behind
    await first.exited;
    expect(lstatSync(join(dir, 'mongod.sock')).isSocket()).toBe(true);

    const second = await startEmbeddedMongo({ dir });
    const client = await MongoClient.connect(second.uri);
    expect(await client.db('x').command({ ping: 1 })).toMatchObject({ ok: 1 });
    await client.close();
    await second.close();
  });

  it('says why it cannot use a socket path', async () => {
    const long = join(root, 'd'.repeat(MAX_SOCKET_PATH_BYTES), 's.sock');
    await expect(startEmbeddedMongo({ dir: join(root, 'long'), socket: long })).rejects.toThrow(
      /more than the 107 a Unix socket allows/,
    );
    await expect(startEmbeddedMongo({ socket: join(root, 'no-suffix') })).rejects.toThrow(
      /must end in "\.sock"/,
    );
    await expect(startEmbeddedMongo({ socket: join(root, 'a.sock'), port: 0 })).rejects.toThrow(
      /either a socket or a port/,
    );
  });

  it('keeps TCP for in-memory stores and when a port is asked for', async () => {
    const memory = await startEmbeddedMongo();
    expect(memory.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/\?directConnection=true$/);
    await memory.close();
    const dir = join(root, 'tcp');
    const tcp = await startEmbeddedMongo({ dir, port: 0 });
    expect(tcp.socket).toBeUndefined();
    expect(readdirSync(dir)).not.toContain('mongod.sock');
    expect(statSync(join(dir, 'embedded-mongo.sqlite')).mode & 0o777).toBe(0o600);
    await tcp.close();
  });
});

describe('the standalone command', () => {
  it('takes --socket, and warns that anyone on the machine can use a --port', async () => {
    const socket = join(root, 'cli.sock');
    const viaSocket = await startStandalone(['--dir', ':memory:', '--socket', socket]);
    expect(viaSocket.uri).toBe(`mongodb://${encodeURIComponent(socket)}/?directConnection=true`);
    expect(modeOf(socket)).toBe(0o600);
    viaSocket.child.kill('SIGTERM');
    await viaSocket.exited;

    const viaPort = await startStandalone(['--dir', ':memory:', '--port', '0']);
    expect(viaPort.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/\?directConnection=true$/);
    viaPort.child.kill('SIGTERM');
    await viaPort.exited;
    expect(viaPort.stderr()).toMatch(
      /WARNING: listening on TCP 127\.0\.0\.1:\d+ without authentication — any user on this machine can connect/,
    );
  });
});
