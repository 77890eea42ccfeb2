/**
 * Runs tasks with the same key one after another (tasks with different keys run freely). Used
 * where a read-then-write must not interleave inside this process, e.g. two registrations of
 * one agent or two REVIEW decisions for the same call binding.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
