import type { ChangeStream, ChangeStreamDocument, Document } from 'mongodb';

/** The next change, or a failure naming what was awaited (instead of hanging until the test timeout). */
export async function nextChange<T extends Document = Document>(stream: ChangeStream<T>, ms = 15_000): Promise<ChangeStreamDocument<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no change event within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([stream.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The next `n` changes. */
export async function nextChanges<T extends Document = Document>(stream: ChangeStream<T>, n: number): Promise<ChangeStreamDocument<T>[]> {
  const out: ChangeStreamDocument<T>[] = [];
  while (out.length < n) out.push(await nextChange(stream));
  return out;
}

/**
 * Runs the stream's aggregate now (the driver runs it lazily, on the first read), so writes made
 * after this are seen, without the awaitData getMore a first read would also send. Uses the
 * cursor's own initializer, as the driver's unified test runner does for createChangeStream.
 */
export async function opened<T extends Document>(stream: ChangeStream<T>): Promise<ChangeStream<T>> {
  const cursor = (stream as unknown as { cursor: { cursorInit?: () => Promise<void> } }).cursor;
  if (typeof cursor.cursorInit !== 'function') throw new Error('this driver version has no cursorInit: update test/helpers/changeStreams.ts');
  await cursor.cursorInit();
  return stream;
}
