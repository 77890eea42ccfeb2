import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalRecord } from '../types';
import { Spool } from './spool';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aegis-spool-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (i: number): LocalRecord => ({
  entryKey: `entry-key-${i}`,
  agent: 'a',
  action: 'ping',
  status: 'ALLOWED',
  details: 'Policy allows ping',
  callId: `call-id-${i}`,
  args: { i },
  decidedAt: new Date(0).toISOString(),
  policyVersion: 1,
});

describe('Spool', () => {
  it('reads nothing from a spool that does not exist yet', async () => {
    expect(await new Spool(path.join(dir, 'none.jsonl')).read()).toEqual([]);
  });

  it('appends batches as JSON lines, in order, creating the directory', async () => {
    const spool = new Spool(path.join(dir, 'nested', 'spool.jsonl'));
    await spool.append([record(1), record(2)]);
    // Private like the server's data directory it usually sits in (which refuses anything looser).
    expect((await stat(path.join(dir, 'nested'))).mode & 0o777).toBe(0o700);
    expect((await stat(spool.path)).mode & 0o777).toBe(0o600);
    await spool.append([record(3)]);
    expect((await spool.read()).map((r) => r.entryKey)).toEqual([
      'entry-key-1',
      'entry-key-2',
      'entry-key-3',
    ]);
    expect((await readFile(spool.path, 'utf8')).split('\n')).toHaveLength(4);
  });

  it('skips a torn last line left by a crash mid-write', async () => {
    const spool = new Spool(path.join(dir, 'torn.jsonl'));
    await spool.append([record(1)]);
    await appendFile(spool.path, '{"entryKey":"half');
    expect((await spool.read()).map((r) => r.entryKey)).toEqual(['entry-key-1']);
  });

  it('is empty after clear, and clear of a missing file is fine', async () => {
    const spool = new Spool(path.join(dir, 'c.jsonl'));
    await spool.clear();
    await spool.append([record(1)]);
    await spool.clear();
    expect(await spool.read()).toEqual([]);
  });

  it('replace keeps only the records given (the unacknowledged rest of a replay)', async () => {
    const spool = new Spool(path.join(dir, 'r.jsonl'));
    await spool.append([record(1), record(2), record(3)]);
    await spool.replace([record(3)]);
    expect((await spool.read()).map((r) => r.entryKey)).toEqual(['entry-key-3']);
    await spool.append([record(4)]);
    expect((await spool.read()).map((r) => r.entryKey)).toEqual(['entry-key-3', 'entry-key-4']);
  });
});
