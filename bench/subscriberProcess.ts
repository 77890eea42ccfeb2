import { createTransport } from '../sdk/src/index';

/**
 * Idle dashboards for scenario 5, in their own process so that parsing their events does not
 * share an event loop (or look like server time) with the caller being measured. Receives
 * `{ url, keys, perKey }` over IPC, opens `perKey` `audit.onEntry` streams per key, answers
 * `{ type: 'started' }` once all are live and `{ type: 'delivered', count }` when asked.
 */
type Start = { type: 'start'; url: string; keys: string[]; total: number };
type Count = { type: 'count' };

let delivered = 0;
process.on('message', (message: Start | Count) => {
  if (message.type === 'count') {
    process.send?.({ type: 'delivered', count: delivered });
    return;
  }
  const { url, keys, total } = message;
  const perKey = Math.ceil(total / keys.length);
  let started = 0;
  const transports = keys.map((apiKey) =>
    createTransport({ url, apiKey, requestTimeoutMs: 60_000 }),
  );
  for (let i = 0; i < total; i++) {
    transports[Math.floor(i / perKey)]!.audit.onEntry.subscribe(
      {},
      {
        onStarted: () => {
          if (++started === total) process.send?.({ type: 'started' });
        },
        onData: () => void delivered++,
        onError: (error: unknown) => {
          process.send?.({
            type: 'error',
            message: error instanceof Error ? error.message : String(error),
          });
        },
      },
    );
  }
});
process.on('disconnect', () => process.exit(0));
