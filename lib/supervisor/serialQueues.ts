/**
 * Tasks run one after the other per key (a server's requests to the
 * supervisor), and in parallel across keys.
 *
 * @module
 */

/** A queue of tasks per key. */
export class SerialQueues<K> {
  readonly #queues = new Map<K, Promise<void>>();

  /** Runs `task` after every earlier task of `key`, whether they succeeded or failed. */
  run<T>(key: K, task: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const run = previous.then(task);
    const settled = run.then(() => {}, () => {});
    this.#queues.set(key, settled);
    settled.then(() => {
      if (this.#queues.get(key) === settled) this.#queues.delete(key);
    });
    return run;
  }

  /** Resolves once every task queued so far has settled. */
  async settled(): Promise<void> {
    await Promise.all([...this.#queues.values()]);
  }

  /** How many keys have a task queued or running. */
  get size(): number {
    return this.#queues.size;
  }
}
