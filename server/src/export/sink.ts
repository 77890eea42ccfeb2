import type { Writable } from 'node:stream';

/** Writes that wait when the reader is slower (backpressure), so a large export never piles up in memory. */
export interface Sink {
  write(chunk: string | Buffer): Promise<void>;
}

export function sinkOf(out: Writable): Sink {
  return {
    write(chunk) {
      if (out.destroyed) return Promise.reject(new Error('the download was closed'));
      if (out.write(chunk)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const done = () => {
          out.off('drain', done);
          out.off('close', closed);
          resolve();
        };
        const closed = () => {
          out.off('drain', done);
          reject(new Error('the download was closed'));
        };
        out.once('drain', done);
        out.once('close', closed);
      });
    },
  };
}

/** Collects chunks in batches of about 64 KiB before writing: one write per entry is slow. */
export function batched(sink: Sink, size = 64 * 1024) {
  let parts: string[] = [];
  let length = 0;
  return {
    async add(text: string) {
      parts.push(text);
      length += text.length;
      if (length >= size) await this.flush();
    },
    async flush() {
      if (!parts.length) return;
      const chunk = parts.join('');
      parts = [];
      length = 0;
      await sink.write(chunk);
    },
  };
}

/** A table cell as text: strings and numbers as they are, anything else as JSON. */
export const cellText = (v: unknown): string =>
  v === null || v === undefined
    ? ''
    : typeof v === 'string'
      ? v
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : JSON.stringify(v);
