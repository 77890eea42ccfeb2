import type { StandaloneStore } from './standalone.js';

/**
 * Keeps four writers inserting batches of 20 numbered documents (so the kill lands in the middle
 * of some), SIGKILLs the store once `atLeast` ids are acknowledged, and returns the acknowledged
 * ids once every writer has seen its connection die.
 */
export async function killUnderLoad(store: StandaloneStore, insert: (ids: number[]) => Promise<unknown>, atLeast: number): Promise<number[]> {
  const acked: number[] = [];
  let next = 0;
  const writer = async (): Promise<void> => {
    for (;;) {
      const ids = Array.from({ length: 20 }, () => next++);
      try {
        await insert(ids);
      } catch {
        return;
      }
      acked.push(...ids);
    }
  };
  const writers = Promise.all([writer(), writer(), writer(), writer()]);
  while (acked.length < atLeast) await new Promise((r) => setTimeout(r, 10));
  store.child.kill('SIGKILL');
  await writers;
  await store.exited;
  return acked;
}
