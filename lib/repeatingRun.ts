/**
 * A background job of the web process run again and again on a timer (the
 * retention, the search indexer): each run says how long to wait before the
 * next, and stopping waits for the run under way, so it can finish its batch.
 */

/** One run: resolves with the wait before the next, ms. It handles its own errors (it never rejects). */
export type Run = () => Promise<number>;

/** Runs a {@link Run} over and over until stopped. */
export class RepeatingRun {
  readonly #run: Run;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  private constructor(run: Run) {
    this.#run = run;
  }

  /** Starts: the first run after `firstMs`. */
  static start(run: Run, firstMs: number): RepeatingRun {
    const repeating = new RepeatingRun(run);
    repeating.#schedule(firstMs);
    return repeating;
  }

  /** Whether {@link stop} was called: a long run checks it between batches. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Stops the timer and waits for a run under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#run().then((next) => {
        this.#running = undefined;
        this.#schedule(next);
      });
    }, ms);
  }
}
