/**
 * Turns a live listener plus an optional backlog query into one ordered async stream without gaps
 * or duplicates: live events are buffered from the moment of subscribing, the backlog (everything
 * after the client's last seen id) is yielded first, then buffered and live events whose id is
 * beyond the last one yielded.
 *
 * Writes never wait for a subscriber: the listener only queues. A client that stops reading (its
 * socket full, so nothing is pulled from here) would make that queue grow without bound, so once
 * `maxQueued` items wait the subscriber is dropped — unsubscribed, `drop` called (it cuts the
 * connection) — and the client, reconnecting with its last event id, gets the rest as backlog.
 */
export async function* streamWithResume<T>(opts: {
  signal: AbortSignal | undefined;
  subscribe: (push: (item: T) => void) => () => void;
  backlog: ((afterId: number) => Promise<T[]>) | null;
  idOf: (item: T) => number;
  startAfter: number | null;
  maxQueued: number;
  drop: () => void;
}): AsyncGenerator<T> {
  const queue: T[] = [];
  let wake: (() => void) | null = null;
  let dropped = false;
  const unsubscribe = opts.subscribe((item) => {
    if (dropped) return;
    if (queue.length >= opts.maxQueued) {
      dropped = true;
      queue.length = 0;
      unsubscribe();
      opts.drop();
    } else queue.push(item);
    wake?.();
  });
  // An abort wakes the waiting loop like an event does. (Racing every wait against one
  // long-lived "aborted" promise would leave a reaction on it per event until the stream ends.)
  const onAbort = () => wake?.();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let lastId = opts.startAfter ?? -Infinity;
  try {
    if (opts.backlog && opts.startAfter !== null) {
      // Page through the backlog until it is exhausted; live events meanwhile wait in `queue`.
      for (;;) {
        const page = await opts.backlog(lastId);
        for (const item of page) {
          lastId = opts.idOf(item);
          yield item;
        }
        if (page.length === 0) break;
      }
    }
    while (!opts.signal?.aborted && !dropped) {
      while (queue.length > 0) {
        const item = queue.shift() as T;
        const id = opts.idOf(item);
        if (id <= lastId) continue;
        lastId = id;
        yield item;
      }
      if (opts.signal?.aborted || dropped) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}
