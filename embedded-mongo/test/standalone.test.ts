import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, expect, it } from 'vitest';
import { startStandalone } from './helpers/standalone.js';

const dir = mkdtempSync(join(tmpdir(), 'embedded-mongo-standalone-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('serves clients from a separate process and keeps data across restarts', async () => {
  const first = await startStandalone(['--port', '0', '--dir', dir]);
  const client = await MongoClient.connect(first.uri);
  await client.db('shared').collection('notes').insertMany([{ n: 1 }, { n: 2 }]);
  await client.close();
  first.child.kill('SIGTERM');
  await first.exited;

  const second = await startStandalone(['--port', '0', '--dir', dir]);
  const again = await MongoClient.connect(second.uri);
  expect(await again.db('shared').collection('notes').countDocuments()).toBe(2);
  await again.close();
  second.child.kill('SIGTERM');
  await second.exited;
});
