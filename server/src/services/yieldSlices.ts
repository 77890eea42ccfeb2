/**
 * The server has one thread, shared with every request and (embedded) with the store. A loop over
 * many agents or manifests whose steps only await promises that are already settled (a cached
 * policy, an evaluation in memory) never lets anything else run until it ends. `yieldSlices()`
 * gives such a loop a function to call once per step: every `sliceMs` of work it returns a
 * promise that resolves on a later turn of the event loop (`setImmediate`: after pending I/O), so
 * requests are answered between slices; between those it returns nothing to wait for, so a
 * short loop pays one clock read per step.
 */
export function yieldSlices(sliceMs = 10): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    if (performance.now() - since < sliceMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        since = performance.now();
        resolve();
      }),
    );
  };
}
