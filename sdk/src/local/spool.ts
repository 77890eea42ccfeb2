import { mkdir, open, readFile, rename, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LocalRecord } from '../types';

/**
 * A durable local spool for local-mode records the server could not take: JSON lines, appended
 * and fsync'ed per batch, so a crash loses nothing that was spooled. Replays are safe to repeat
 * because every record carries a unique `entryKey` the server deduplicates on.
 */
export class Spool {
  constructor(readonly path: string) {}

  /** Appends records and waits until they are on disk. */
  async append(records: readonly LocalRecord[]): Promise<void> {
    if (records.length === 0) return;
    await mkdir(dirname(this.path), { recursive: true });
    const handle = await open(this.path, 'a', 0o600);
    try {
      await handle.write(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /**
   * Every spooled record, oldest first. A torn last line (a crash mid-write, before its fsync
   * returned) is skipped: its batch was never acknowledged as spooled.
   */
  async read(): Promise<LocalRecord[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: LocalRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        records.push(JSON.parse(line) as LocalRecord);
      } catch {
        // torn write: see above
      }
    }
    return records;
  }

  /**
   * Replaces the spool's content with `records` (the part of a replay not yet acknowledged):
   * written beside it, fsync'ed, then renamed over it, so a crash leaves the old or the new file.
   */
  async replace(records: readonly LocalRecord[]): Promise<void> {
    const next = `${this.path}.next`;
    const handle = await open(next, 'w', 0o600);
    try {
      if (records.length > 0)
        await handle.write(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(next, this.path);
  }

  /** Empties the spool after its records were acknowledged by the server. */
  async clear(): Promise<void> {
    try {
      await truncate(this.path, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
