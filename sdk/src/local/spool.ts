import { mkdir, open, readFile, rename, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ShipItem } from './items';

/**
 * A durable local spool for local-mode records and outcomes the server could not take: JSON
 * lines, in shipping order, appended and fsync'ed per batch, so a crash loses nothing that was
 * spooled. Replays are safe to repeat: every record carries a unique `entryKey` the server
 * deduplicates on, and an outcome is recorded once.
 */
export class Spool {
  constructor(readonly path: string) {}

  /** Appends items and waits until they are on disk. */
  async append(items: readonly ShipItem[]): Promise<void> {
    if (items.length === 0) return;
    // 0700: it is usually the server's data directory, which refuses to start if others can read it.
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const handle = await open(this.path, 'a', 0o600);
    try {
      await handle.write(items.map((r) => JSON.stringify(r)).join('\n') + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /**
   * Every spooled record, oldest first. A torn last line (a crash mid-write, before its fsync
   * returned) is skipped: its batch was never acknowledged as spooled.
   */
  async read(): Promise<ShipItem[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const items: ShipItem[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        items.push(JSON.parse(line) as ShipItem);
      } catch {
        // torn write: see above
      }
    }
    return items;
  }

  /**
   * Replaces the spool's content with `items` (the part of a replay not yet acknowledged):
   * written beside it, fsync'ed, then renamed over it, so a crash leaves the old or the new file.
   */
  async replace(items: readonly ShipItem[]): Promise<void> {
    const next = `${this.path}.next`;
    const handle = await open(next, 'w', 0o600);
    try {
      if (items.length > 0)
        await handle.write(items.map((r) => JSON.stringify(r)).join('\n') + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(next, this.path);
  }

  /** Empties the spool after its items were acknowledged by the server. */
  async clear(): Promise<void> {
    try {
      await truncate(this.path, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
