import type { Writable } from 'node:stream';

/** Writes that wait when the reader is slower (backpressure), so a large export never piles up in memory. */
export interface Sink {
  write(chunk: string | Buffer): Promise<void>;
}

/**
 * How long an export waits for its reader to take more. A reader that stops reading (or reads a
 * few bytes a minute) would hold one of the server's few export places forever (an attack review:
 * three such downloads kept every auditor at 429 for as long as they liked); past this the
 * download is cut, and the client sees it truncated.
 */
export const READER_STALL_MS = 60_000;

/** Resolves when `out` drained; rejects when it closed, or when it stalled and was cut. */
export function readerCaughtUp(out: Writable, stallMs = READER_STALL_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = () => {
      clearTimeout(timer);
      out.off('drain', done);
      out.off('close', closed);
    };
    const done = () => {
      settle();
      resolve();
    };
    const closed = () => {
      settle();
      reject(new Error('the download was closed'));
    };
    const timer = setTimeout(() => {
      settle();
      // No error passed: nobody listens for one on a response, and it would be thrown.
      out.destroy();
      reject(
        new Error(
          `the reader took nothing for ${stallMs / 1000} s; the download was cut (stalled)`,
        ),
      );
    }, stallMs);
    out.once('drain', done);
    out.once('close', closed);
  });
}

export function sinkOf(out: Writable, stallMs = READER_STALL_MS): Sink {
  return {
    write(chunk) {
      if (out.destroyed) return Promise.reject(new Error('the download was closed'));
      if (out.write(chunk)) return Promise.resolve();
      return readerCaughtUp(out, stallMs);
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
