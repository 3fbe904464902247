/**
 * Runs tasks one after another per key and concurrently across keys: the commands of one
 * conversation are recorded in the order they arrived, different conversations at once.
 */
export class KeyedSequence {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a task running or waiting. */
  size(): number {
    return this.tails.size;
  }
}
