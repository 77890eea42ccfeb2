import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readerCaughtUp, sinkOf } from './sink';

/** A download whose reader never takes anything (a slow-loris client). */
const stuck = () =>
  new Writable({
    highWaterMark: 4,
    write(_chunk, _encoding, _callback) {
      // never calls back: nothing is ever read
    },
  });

describe('an export whose reader stops reading', () => {
  it('is cut after the stall time, so it gives up its export place (close fires)', async () => {
    const out = stuck();
    const closed = new Promise((resolve) => out.once('close', resolve));
    await expect(sinkOf(out, 20).write('more than four bytes')).rejects.toThrow(/stalled/);
    expect(out.destroyed).toBe(true);
    await closed;
  });

  it('a reader that catches up is waited for, not cut', async () => {
    let release: () => void = () => undefined;
    const out = new Writable({
      highWaterMark: 4,
      write(_chunk, _encoding, callback) {
        release = () => callback();
      },
    });
    expect(out.write('more than four bytes')).toBe(false);
    const waiting = readerCaughtUp(out, 5_000);
    release();
    await expect(waiting).resolves.toBeUndefined();
    expect(out.destroyed).toBe(false);
  });
});
